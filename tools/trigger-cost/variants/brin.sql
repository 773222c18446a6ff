-- A BRIN index on seq (instead of no index).
CREATE INDEX ON matchmade.changed_user USING brin (seq);
