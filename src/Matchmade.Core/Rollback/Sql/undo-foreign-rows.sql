-- Rows of the new tables the module did not write (the app has started writing) or that changed since it did:
-- ProfileNew rows that are not the ones recorded in migrated_user, and ContextIntent rows of users the module did not
-- migrate. "Changed since" is seen by updatedAt and, for edits that leave updatedAt alone (a hand-written UPDATE), by
-- xmin: the module writes a user's ProfileNew, ContextIntent and migrated_user rows in one (sub)transaction, so they
-- share an xmin until someone updates a row; a row a later rebuild left alone because it came out the same keeps its
-- earlier xmin, which that rebuild recorded in kept_by (upsert-profile.sql). {profile_owned} and {intent_owned}
-- are those tests (RowOwnership.cs), the same the rebuild in place applies. (A dump and restore gives every row a new
-- xmin: Undo then asks for -Force.)
-- Returns counts and a few sample user ids.
WITH mine AS (
    SELECT user_id, profile_id, migrated_at, xmin AS written_by, kept_by FROM {state}.migrated_user WHERE app_schema = @app_schema
), foreign_profiles AS (
    SELECT p."userId" FROM {app}."ProfileNew" p
    LEFT JOIN mine m ON m.user_id = p."userId" AND m.profile_id = p.id
    WHERE m.user_id IS NULL OR NOT {profile_owned}
), foreign_intents AS (
    SELECT ci."userId" FROM {app}."ContextIntent" ci
    LEFT JOIN mine m ON m.user_id = ci."userId"
    WHERE m.user_id IS NULL OR NOT {intent_owned}
)
SELECT (SELECT count(*) FROM foreign_profiles),
       (SELECT count(*) FROM foreign_intents),
       ARRAY(SELECT DISTINCT "userId" FROM (SELECT "userId" FROM foreign_profiles UNION ALL SELECT "userId" FROM foreign_intents) s ORDER BY 1 LIMIT 5);
