-- -Force and the sync: drop ContextIntents whose ContextProfile is gone, then rebuild the rest in place (id and
-- createdAt kept). A stored row whose content already is the merge's and that is still the module's own (as
-- Undo-ProfileMigration sees it: undo-foreign-rows.sql) is left as it is: no new row version, no index entries, no WAL
-- beyond the row lock. A changed user's other contexts usually come out the same, and their rewrite was most of what a
-- sync wrote. upsert-profile.sql then records the xmin of each row left alone (kept_by), so it stays the module's.
-- {intent_values} compares the columns that carry content (not ids, the user, the type or timestamps); {intent_owned}
-- is the ownership test (RowOwnership.cs) over t and m.
DELETE FROM {app}."ContextIntent" ci
WHERE ci."userId" = ANY(@user_ids)
  AND NOT EXISTS (SELECT 1 FROM pg_temp.mm_stage_intent s WHERE s."userId" = ci."userId" AND s."contextType" = ci."contextType");

INSERT INTO {app}."ContextIntent" AS t ({columns})
SELECT {columns} FROM pg_temp.mm_stage_intent
ON CONFLICT ("userId", "contextType") DO UPDATE SET {updates}
WHERE {intent_values}
   OR NOT EXISTS (SELECT 1 FROM {state}.migrated_user m
                  WHERE m.app_schema = @app_schema AND m.user_id = t."userId" AND {intent_owned});
