-- Seed check 9: completeness outside 0..100 in ContextIntent.
SELECT count(*)::text, '0', (array_agg("userId" ORDER BY "userId"))[1:5]
FROM {app}."ContextIntent" WHERE completeness < 0 OR completeness > 100;
