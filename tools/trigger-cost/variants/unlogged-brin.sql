ALTER TABLE matchmade.changed_user SET UNLOGGED;
ALTER TABLE matchmade.changed_user DROP CONSTRAINT changed_user_pkey;
CREATE INDEX ON matchmade.changed_user USING brin (seq);
