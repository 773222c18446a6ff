INSERT INTO {state}.run (run_id, app_schema, mode, status, module_version, rules_fingerprint, parameters, users_total, users_skipped)
VALUES (@run_id, @app_schema, @mode, 'Running', @module_version, @rules_fingerprint, @parameters::jsonb, @users_total, @users_skipped);
