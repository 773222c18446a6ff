-- The given user ids (-UserId) that are not in "User", first few in order, to name them in the warning.
SELECT g.id
FROM unnest(@user_ids::text[]) AS g(id)
WHERE NOT EXISTS (SELECT 1 FROM {app}."User" u WHERE u.id = g.id)
GROUP BY g.id
ORDER BY g.id
LIMIT 5;
