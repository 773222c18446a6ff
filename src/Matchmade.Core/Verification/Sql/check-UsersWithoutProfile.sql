-- Seed check 3: users without a ProfileNew.
SELECT count(*)::text, '0', (array_agg(u.id ORDER BY u.id))[1:5]
FROM {app}."User" u
WHERE NOT EXISTS (SELECT 1 FROM {new_profile} p WHERE p."userId" = u.id);
