-- Runs still marked Running while nobody holds the run lock were killed (client, backend or server): say so, and
-- where the findings of their committed batches are. Returns the runs marked.
UPDATE {state}.run
SET status = 'Interrupted', message = coalesce(message, 'The run ended without finishing (process killed, connection terminated or server restarted). '
    || 'The findings of the batches it committed: Get-MigrationReport -RunId ' || run_id::text || '.')
WHERE status = 'Running' AND app_schema = @app_schema
RETURNING run_id;
