-- -Force: drop ContextIntents whose ContextProfile is gone, then rebuild the rest in place (id and createdAt kept).
DELETE FROM {app}."ContextIntent" ci
WHERE ci."userId" = ANY(@user_ids)
  AND NOT EXISTS (SELECT 1 FROM pg_temp.mm_stage_intent s WHERE s."userId" = ci."userId" AND s."contextType" = ci."contextType");

INSERT INTO {app}."ContextIntent" ({columns})
SELECT {columns} FROM pg_temp.mm_stage_intent
ON CONFLICT ("userId", "contextType") DO UPDATE SET {updates};
