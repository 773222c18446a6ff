-- Seed check 6: more than one ProfileNew for a user (the unique index should make this impossible).
SELECT count(*)::text, '0', (array_agg("userId" ORDER BY "userId"))[1:5]
FROM (SELECT "userId" FROM {new_profile} GROUP BY "userId" HAVING count(*) > 1) d;
