-- Session-local staging for -Force batches: rows are upserted from here so existing ids and createdAt stay.
CREATE TEMP TABLE IF NOT EXISTS mm_stage_profile (LIKE {app}."ProfileNew" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS mm_stage_intent (LIKE {app}."ContextIntent" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
