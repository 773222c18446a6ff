-- -Force: rebuild users' ProfileNew rows in place (id and createdAt kept) from the staged rows.
-- {columns}, {updates} and {changed} are filled from the expected schema's column list. A row whose values are
-- already right is left alone (no new row version, no index entries, no WAL but the row lock): a sync re-merges whole
-- users, and most of a changed user's rows come out the same.
INSERT INTO {app}."ProfileNew" AS t ({columns})
SELECT {columns} FROM pg_temp.mm_stage_profile
ON CONFLICT ("userId") DO UPDATE SET {updates}
WHERE {changed};
