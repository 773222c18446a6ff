-- The run history of the app schema, newest first. A run still marked Running whose session is gone was killed: it
-- reads as Interrupted already (the next run records it so).
SELECT r.run_id, r.mode,
       CASE WHEN r.status = 'Running' AND NOT EXISTS (
                SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid AND a.backend_start <= r.started_at)
            THEN 'Interrupted' ELSE r.status END,
       r.module_version, r.started_at, r.finished_at, r.users_total, r.users_migrated, r.users_skipped,
       r.users_failed, r.intents_written, r.conflicts, r.unmapped_fields, r.invalid_values, r.errors, r.report_path, r.message
FROM {state}.run r
WHERE r.app_schema = @app_schema AND (@run_id::uuid IS NULL OR r.run_id = @run_id::uuid)
  AND (@modes::text[] IS NULL OR r.mode = ANY(@modes::text[]))
ORDER BY r.started_at DESC
LIMIT @limit;
