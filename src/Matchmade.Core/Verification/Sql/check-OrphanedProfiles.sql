-- Seed check 4: ProfileNew rows whose user does not exist.
SELECT count(*)::text, '0', (array_agg(p."userId" ORDER BY p."userId"))[1:5]
FROM {new_profile} p
WHERE NOT EXISTS (SELECT 1 FROM {app}."User" u WHERE u.id = p."userId");
