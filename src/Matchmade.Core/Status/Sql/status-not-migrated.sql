-- Users that have no ProfileNew row yet (the unit of "migrated" is the user).
SELECT count(*)
FROM {app}."User" u
WHERE NOT EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = u.id);
