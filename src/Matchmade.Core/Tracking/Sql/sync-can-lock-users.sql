-- Whether this role may lock "User" rows (sync-lock-users.sql's FOR KEY SHARE needs UPDATE on at least one column).
SELECT coalesce((SELECT pg_catalog.has_any_column_privilege(c.oid, 'UPDATE')
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = @app AND c.relname = 'User'), false);
