-- A BRIN index on seq instead of the primary key (seq only grows, so the heap is in seq order).
ALTER TABLE matchmade.changed_user DROP CONSTRAINT changed_user_pkey;
CREATE INDEX ON matchmade.changed_user USING brin (seq);
