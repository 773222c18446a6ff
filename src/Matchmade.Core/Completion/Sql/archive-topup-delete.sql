-- Under the write lock, without change tracking (-Force): archived rows the app changed or deleted since the copy (compared as whole rows, as text, so
-- a blob rewritten as 1.0 instead of 1 counts as changed).
DELETE FROM {state}."ProfileOld" a
WHERE NOT EXISTS (SELECT 1 FROM {app}."Profile" p WHERE p.id = a.id AND p::text = a::text);
