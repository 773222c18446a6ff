-- The next batch of users after @after (keyset over "User".id) with every ContextProfile and its Profile blob.
-- Users that already have a ProfileNew are left out unless @force (see batch-read-no-target.sql for a fresh database).
-- One row per ContextProfile; a user with none comes back once with NULL context columns.
WITH batch AS (
    SELECT u.id,
           EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = u.id) AS migrated
    FROM {app}."User" u
    WHERE u.id > @after
      AND (@user_ids::text[] IS NULL OR u.id = ANY(@user_ids::text[]))
      AND (@force OR NOT EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = u.id))
    ORDER BY u.id
    LIMIT @limit
)
SELECT b.id, b.migrated, cp.id, cp."contextType"::text, cp."createdAt", p.data::text, (p.id IS NOT NULL)
FROM batch b
LEFT JOIN {app}."ContextProfile" cp ON cp."userId" = b.id
LEFT JOIN {app}."Profile" p ON p."contextProfileId" = cp.id
ORDER BY b.id;
