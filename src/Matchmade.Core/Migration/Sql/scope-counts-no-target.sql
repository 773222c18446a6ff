-- Before the new tables exist (dry run on a fresh database): nobody is migrated yet.
SELECT count(*) AS total, 0::bigint AS migrated
FROM {app}."User" u
WHERE (@user_ids::text[] IS NULL OR u.id = ANY(@user_ids::text[]));
