-- When this app schema's cleanup was last completed (the newest completed Complete run), for the archive's retention.
SELECT max(finished_at)
FROM {state}.run
WHERE app_schema = @app_schema AND mode = 'Complete' AND status = 'Completed';
