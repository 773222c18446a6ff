-- The given user ids (-UserId) that are not in "User": how many (distinct), and the first few in order, to name them.
SELECT count(*)::int, (array_agg(m.id ORDER BY m.id))[1:5]
FROM (SELECT DISTINCT g.id FROM unnest(@user_ids::text[]) AS g(id)
      WHERE NOT EXISTS (SELECT 1 FROM {app}."User" u WHERE u.id = g.id)) m;
