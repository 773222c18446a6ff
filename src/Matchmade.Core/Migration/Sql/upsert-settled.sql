-- -Force and the sync, before the rebuild in place: drops from the staging tables every user whose new rows already
-- are what the merge just produced and still the module's own as Undo-ProfileMigration sees them (the ProfileNew row
-- migrated_user names, written by the same (sub)transaction as that record or left alone by it, and not touched since;
-- see undo-foreign-rows.sql). Those users are left exactly as they are: no new row versions, no WAL, and their ownership
-- unchanged. A user is kept whole for the rebuild when any of its rows differs, is missing, is left over or is not the
-- module's (a row also when a rebuild left it alone and recorded its xmin in kept_by), so ownership stays
-- what upsert-profile.sql records.
-- {profile_values}/{intent_values} compare the columns that carry content (not ids, the user, the type or timestamps);
-- {profile_owned}/{intent_owned} are the ownership tests (RowOwnership.cs) over the rows read here.
-- The lookups are LATERAL with LIMIT/OFFSET, so they stay one index probe per staged user: the staging tables have no
-- statistics, and a hash join would read all of ProfileNew or migrated_user (the app's size, not the batch's).
WITH owner AS MATERIALIZED (
    SELECT s."userId", m.written_by, m.kept_by, m.migrated_at,
           t.id IS NULL OR m.user_id IS NULL OR m.profile_id <> t.id OR NOT {profile_owned}
           OR {profile_values} AS differs
    FROM pg_temp.mm_stage_profile s
    LEFT JOIN LATERAL (SELECT *, xmin FROM {app}."ProfileNew" t WHERE t."userId" = s."userId" LIMIT 1) t ON true
    LEFT JOIN LATERAL (SELECT m.user_id, m.profile_id, m.migrated_at, m.xmin AS written_by, m.kept_by FROM {state}.migrated_user m
                       WHERE m.app_schema = @app_schema AND m.user_id = s."userId" LIMIT 1) m ON true
), stored AS (
    SELECT t.*, t.xmin AS row_xmin, o.written_by, o.kept_by, o.migrated_at
    FROM owner o
    CROSS JOIN LATERAL (SELECT *, xmin FROM {app}."ContextIntent" t WHERE t."userId" = o."userId" OFFSET 0) t
    WHERE o.differs IS FALSE -- a user whose ProfileNew row differs is rewritten anyway: its ContextIntents are not read
), differing AS MATERIALIZED (
    SELECT "userId" FROM owner WHERE differs IS NOT FALSE
    UNION
    SELECT coalesce(s."userId", t."userId")
    FROM pg_temp.mm_stage_intent s
    FULL JOIN stored t ON t."userId" = s."userId" AND t."contextType" = s."contextType"
    WHERE s."userId" IS NULL OR t."userId" IS NULL OR t.written_by IS NULL OR NOT {intent_owned}
       OR {intent_values}
), settled_intents AS (
    DELETE FROM pg_temp.mm_stage_intent s WHERE NOT EXISTS (SELECT 1 FROM differing d WHERE d."userId" = s."userId")
)
DELETE FROM pg_temp.mm_stage_profile s WHERE NOT EXISTS (SELECT 1 FROM differing d WHERE d."userId" = s."userId")
RETURNING s."userId";
