-- -Force and the sync, after upsert-intents.sql: rebuild users' ProfileNew rows in place (id and createdAt kept) from
-- the staged rows, and record each user as the module's: which ProfileNew row (the kept id) belongs to it, and the xmin
-- of each of its rows this rebuild left alone (kept_by). A ProfileNew row whose content already is the merge's and
-- that is still the module's is left as it is, as upsert-intents.sql leaves ContextIntents (no new row version, no
-- index entries: a changed context usually leaves the shared profile as it was). The rows rewritten and the record
-- share this (sub)transaction's xmin, which the staged rows carry (stage-tables.sql empties them in it), so a row with
-- another xmin was left alone. Undo-ProfileMigration counts a row as the module's when its xmin is the record's or in
-- kept_by (undo-foreign-rows.sql). The record's reads of ProfileNew see the rows as they were before this statement,
-- which for a row left alone is as it is.
-- {columns} and {updates} are filled from the expected schema's column list; {profile_values} compares the columns that
-- carry content (not ids, the user or timestamps); {profile_owned} is the ownership test (RowOwnership.cs) over t and m.
WITH me AS MATERIALIZED (
    SELECT xmin AS xid FROM pg_temp.mm_stage_profile LIMIT 1
), profile AS (
    INSERT INTO {app}."ProfileNew" AS t ({columns})
    SELECT {columns} FROM pg_temp.mm_stage_profile
    ON CONFLICT ("userId") DO UPDATE SET {updates}
    WHERE {profile_values}
       OR NOT EXISTS (SELECT 1 FROM {state}.migrated_user m
                      WHERE m.app_schema = @app_schema AND m.user_id = t."userId" AND m.profile_id = t.id AND {profile_owned})
    RETURNING "userId", id
)
INSERT INTO {state}.migrated_user (app_schema, user_id, run_id, profile_id, intent_count, migrated_at, kept_by)
SELECT @app_schema, u.user_id, @run_id, coalesce(p.id, (SELECT t.id FROM {app}."ProfileNew" t WHERE t."userId" = u.user_id)),
       u.intent_count, @migrated_at,
       ARRAY(SELECT r.xmin
             FROM (SELECT ci.xmin FROM {app}."ContextIntent" ci WHERE ci."userId" = u.user_id
                   UNION ALL
                   SELECT t.xmin FROM {app}."ProfileNew" t WHERE t."userId" = u.user_id AND p.id IS NULL) r
             WHERE NOT (r.xmin = (SELECT xid FROM me)))
FROM unnest(@user_ids, @intent_counts) AS u(user_id, intent_count)
LEFT JOIN profile p ON p."userId" = u.user_id
ON CONFLICT (app_schema, user_id) DO UPDATE
SET run_id = EXCLUDED.run_id, profile_id = EXCLUDED.profile_id, intent_count = EXCLUDED.intent_count,
    migrated_at = EXCLUDED.migrated_at, kept_by = EXCLUDED.kept_by;
