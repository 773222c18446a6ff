-- The next @limit user ids after @after (and up to @upto, a worker's range; NULL = no bound, at either end: the first
-- read has no lower bound rather than "after ''", which would skip a user whose id is the empty string): a pure range
-- scan of "User_pkey", the same cost on batch 1 and batch 1,000.
-- (Filtering out migrated users here lets the planner pick a hash anti join that reads all of ProfileNew per batch.)
SELECT u.id
FROM {app}."User" u
WHERE u.id >= coalesce(@after::text, '') -- the index condition, in a generic plan too ('' sorts first in every collation)
  AND (@after::text IS NULL OR u.id > @after::text)
  AND (@upto::text IS NULL OR u.id <= @upto::text)
  AND (@user_ids::text[] IS NULL OR u.id = ANY(@user_ids::text[]))
ORDER BY u.id
LIMIT @limit;
