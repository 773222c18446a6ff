-- The upper bound of each of @workers contiguous ranges of user ids with about as many users each (the last range has
-- no bound: users added during the run still fall in one). One index-only scan of "User_pkey".
SELECT max(id) AS upto
FROM (SELECT u.id, ntile(@workers) OVER (ORDER BY u.id) AS part
      FROM {app}."User" u) parts
GROUP BY part
ORDER BY part;
