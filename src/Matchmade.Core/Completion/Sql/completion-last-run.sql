-- The latest migration or sync run of this app schema (the completion's "last run completed cleanly" gate).
SELECT mode, status, users_failed, errors, started_at
FROM {state}.run
WHERE app_schema = @app_schema AND mode IN ('Live', 'Sync')
ORDER BY started_at DESC
LIMIT 1;
