-- How many rows the planner last counted in ProfileNew (pg_class.reltuples, as of the last VACUUM or ANALYZE; -1, or 0
-- before PostgreSQL 14, when never counted), and whether this role may ANALYZE it (its owner or a member of the owner's
-- role, the database's owner, or a superuser; anyone else gets a WARNING and the table is skipped).
SELECT coalesce(c.reltuples::float8, -1),
       coalesce(pg_has_role(c.relowner, 'USAGE'), false)
       OR pg_has_role((SELECT d.datdba FROM pg_database d WHERE d.datname = current_database()), 'USAGE')
       OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
FROM (SELECT 1) one
LEFT JOIN (pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace) ON n.nspname = @app_schema AND c.relname = 'ProfileNew';
