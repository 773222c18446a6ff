-- Rows of the new tables the module did not write (the app has started writing): ProfileNew rows that are not the
-- ones recorded in migrated_user or were updated after, and ContextIntent rows of users the module did not migrate
-- or updated after it did. Returns counts and a few sample user ids.
WITH mine AS (
    SELECT user_id, profile_id, migrated_at FROM {state}.migrated_user WHERE app_schema = @app_schema
), foreign_profiles AS (
    SELECT p."userId" FROM {app}."ProfileNew" p
    LEFT JOIN mine m ON m.user_id = p."userId" AND m.profile_id = p.id
    WHERE m.user_id IS NULL OR p."updatedAt" > m.migrated_at
), foreign_intents AS (
    SELECT ci."userId" FROM {app}."ContextIntent" ci
    LEFT JOIN mine m ON m.user_id = ci."userId"
    WHERE m.user_id IS NULL OR ci."updatedAt" > m.migrated_at
)
SELECT (SELECT count(*) FROM foreign_profiles),
       (SELECT count(*) FROM foreign_intents),
       ARRAY(SELECT DISTINCT "userId" FROM (SELECT "userId" FROM foreign_profiles UNION ALL SELECT "userId" FROM foreign_intents) s ORDER BY 1 LIMIT 5);
