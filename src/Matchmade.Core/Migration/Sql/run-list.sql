-- The run history of the app schema, newest first.
SELECT run_id, mode, status, module_version, started_at, finished_at, users_total, users_migrated, users_skipped,
       users_failed, intents_written, conflicts, unmapped_fields, invalid_values, errors, report_path, message
FROM {state}.run
WHERE app_schema = @app_schema AND (@run_id::uuid IS NULL OR run_id = @run_id::uuid)
ORDER BY started_at DESC
LIMIT @limit;
