-- Seed check 7: more than one ContextIntent per user and context.
SELECT count(*)::text, '0', (array_agg("userId" ORDER BY "userId"))[1:5]
FROM (SELECT "userId" FROM {app}."ContextIntent" GROUP BY "userId", "contextType" HAVING count(*) > 1) d;
