-- -Force and the sync, after upsert-intents.sql: rebuild users' ProfileNew rows in place (id and createdAt kept) from
-- the staged rows, and record each as the module's: which ProfileNew row (the kept id) belongs to the user, and the
-- xmin of each of its ContextIntents the rebuild left alone (kept_by; upsert-intents.sql: content unchanged, still the
-- module's). The ProfileNew row, the record and the ContextIntents rewritten share this (sub)transaction's xmin, which
-- RETURNING gives, so a ContextIntent with another xmin was left alone. Undo-ProfileMigration counts a ContextIntent
-- as the module's when its xmin is the record's or in kept_by (undo-foreign-rows.sql).
-- {columns} and {updates} are filled from the expected schema's column list.
WITH profile AS (
    INSERT INTO {app}."ProfileNew" ({columns})
    SELECT {columns} FROM pg_temp.mm_stage_profile
    ON CONFLICT ("userId") DO UPDATE SET {updates}
    RETURNING "userId", id, xmin
)
INSERT INTO {state}.migrated_user (app_schema, user_id, run_id, profile_id, intent_count, migrated_at, kept_by)
SELECT @app_schema, p."userId", @run_id, p.id, u.intent_count, @migrated_at,
       ARRAY(SELECT ci.xmin FROM {app}."ContextIntent" ci WHERE ci."userId" = p."userId" AND NOT (ci.xmin = p.xmin))
FROM profile p
JOIN unnest(@user_ids, @intent_counts) AS u(user_id, intent_count) ON u.user_id = p."userId"
ON CONFLICT (app_schema, user_id) DO UPDATE
SET run_id = EXCLUDED.run_id, profile_id = EXCLUDED.profile_id, intent_count = EXCLUDED.intent_count,
    migrated_at = EXCLUDED.migrated_at, kept_by = EXCLUDED.kept_by;
