-- Runs still marked Running while nobody holds the run lock were killed (client, backend or server): say so.
UPDATE {state}.run
SET status = 'Interrupted', message = coalesce(message, 'The run ended without finishing (process killed, connection terminated or server restarted).')
WHERE status = 'Running' AND app_schema = @app_schema;
