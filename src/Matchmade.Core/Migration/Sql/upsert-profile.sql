-- -Force: rebuild users' ProfileNew rows in place (id and createdAt kept) from the staged rows.
-- {columns} and {updates} are filled from the expected schema's column list.
INSERT INTO {app}."ProfileNew" ({columns})
SELECT {columns} FROM pg_temp.mm_stage_profile
ON CONFLICT ("userId") DO UPDATE SET {updates};
