-- Seed check 8: completeness outside 0..100 in ProfileNew.
SELECT count(*)::text, '0', (array_agg("userId" ORDER BY "userId"))[1:5]
FROM {new_profile} WHERE completeness < 0 OR completeness > 100;
