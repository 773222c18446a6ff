-- No primary key: seq from the sequence, no index to maintain.
ALTER TABLE matchmade.changed_user DROP CONSTRAINT changed_user_pkey;
