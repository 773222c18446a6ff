-- Session-local staging for -Force batches: rows are upserted from here so existing ids and createdAt stay.
CREATE TEMP TABLE IF NOT EXISTS mm_stage_profile (LIKE {app}."ProfileNew" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS mm_stage_intent (LIKE {app}."ContextIntent" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
-- Emptied on every use too, not only at commit: a batch redone user by user stages each user in a savepoint of its
-- own, and the users staged before it (their savepoints released, their rows still here) would be upserted again with
-- it, by another subtransaction than their migrated_user record's, so Undo-ProfileMigration would call them foreign.
WITH profiles AS (DELETE FROM pg_temp.mm_stage_profile) DELETE FROM pg_temp.mm_stage_intent;
