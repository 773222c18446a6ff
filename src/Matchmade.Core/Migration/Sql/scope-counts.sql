-- How many users the run covers, and how many of them already have their ProfileNew (skipped unless -Force).
-- @user_ids NULL = every user.
SELECT count(*) AS total,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = u.id)) AS migrated
FROM {app}."User" u
WHERE (@user_ids::text[] IS NULL OR u.id = ANY(@user_ids::text[]));
