-- -Force: remember which ProfileNew row (the kept id) belongs to each rebuilt user.
INSERT INTO {state}.migrated_user (app_schema, user_id, run_id, profile_id, intent_count, migrated_at)
SELECT @app_schema, p."userId", @run_id, p.id, u.intent_count, @migrated_at
FROM {app}."ProfileNew" p
JOIN unnest(@user_ids, @intent_counts) AS u(user_id, intent_count) ON u.user_id = p."userId"
ON CONFLICT (app_schema, user_id) DO UPDATE
SET run_id = EXCLUDED.run_id, profile_id = EXCLUDED.profile_id, intent_count = EXCLUDED.intent_count, migrated_at = EXCLUDED.migrated_at;
