-- batch-read.sql for a database whose new tables do not exist yet (a dry run before the schema step): nobody is migrated.
WITH batch AS (
    SELECT u.id, false AS migrated
    FROM {app}."User" u
    WHERE u.id > @after
      AND (@user_ids::text[] IS NULL OR u.id = ANY(@user_ids::text[]))
    ORDER BY u.id
    LIMIT @limit
)
SELECT b.id, b.migrated, cp.id, cp."contextType"::text, cp."createdAt", p.data::text, (p.id IS NOT NULL)
FROM batch b
LEFT JOIN {app}."ContextProfile" cp ON cp."userId" = b.id
LEFT JOIN {app}."Profile" p ON p."contextProfileId" = cp.id
ORDER BY b.id;
