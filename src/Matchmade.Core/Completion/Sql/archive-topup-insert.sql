-- Under the write lock, without change tracking (-Force): rows the app added or changed since the copy. After this the archive is the old table at the
-- cut-over, row for row.
INSERT INTO {state}."ProfileOld"
SELECT p.* FROM {app}."Profile" p
WHERE NOT EXISTS (SELECT 1 FROM {state}."ProfileOld" a WHERE a.id = p.id);
