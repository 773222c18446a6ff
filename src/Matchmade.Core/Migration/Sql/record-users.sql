-- -Force and the sync: remember which ProfileNew row (the kept id) belongs to each rebuilt user, and the xmin of each of
-- its ContextIntents the rebuild left alone (upsert-intents.sql: content unchanged, still the module's). The rebuild
-- rewrote the user's ProfileNew row in this same (sub)transaction, so a row whose xmin is not the ProfileNew row's was
-- left alone; Undo-ProfileMigration counts a ContextIntent as the module's when its xmin is this record's or in kept_by.
INSERT INTO {state}.migrated_user (app_schema, user_id, run_id, profile_id, intent_count, migrated_at, kept_by)
SELECT @app_schema, p."userId", @run_id, p.id, u.intent_count, @migrated_at,
       ARRAY(SELECT ci.xmin FROM {app}."ContextIntent" ci WHERE ci."userId" = p."userId" AND NOT (ci.xmin = p.xmin))
FROM {app}."ProfileNew" p
JOIN unnest(@user_ids, @intent_counts) AS u(user_id, intent_count) ON u.user_id = p."userId"
ON CONFLICT (app_schema, user_id) DO UPDATE
SET run_id = EXCLUDED.run_id, profile_id = EXCLUDED.profile_id, intent_count = EXCLUDED.intent_count,
    migrated_at = EXCLUDED.migrated_at, kept_by = EXCLUDED.kept_by;
