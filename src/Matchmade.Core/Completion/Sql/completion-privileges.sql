-- What Complete-ProfileMigration needs (docs/permissions.md), checked before its gates: one row per missing grant,
-- with what it is for. Tables are found through the catalog (by name, no privilege needed to look), so a missing
-- USAGE on a schema is reported instead of raised.
WITH rel AS (
    SELECT n.nspname AS schema, c.relname AS name, c.oid, c.relowner
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND ((n.nspname = @app AND c.relname = ANY(@owned || @written || ARRAY['ChatMessage', '_prisma_migrations']))
        OR (n.nspname = @state AND c.relname IN ('changed_user', 'tracking_marker', 'run')))
)
SELECT format('USAGE and CREATE on schema %I (CREATE: the empty stand-in for the old Profile table that cleanup-migration.sql drops)', @app)
WHERE NOT (has_schema_privilege(@app, 'USAGE') AND has_schema_privilege(@app, 'CREATE'))
UNION ALL
SELECT format('ownership of %I.%I (the cut-over moves, renames or removes triggers from it: membership in its owner role)', schema, name)
FROM rel WHERE schema = @app AND name = ANY(@owned) AND NOT pg_has_role(relowner, 'USAGE')
UNION ALL
SELECT format('%s on %I.%I (the final sync)', p, schema, name)
FROM rel CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
WHERE schema = @app AND name = ANY(@written) AND NOT has_table_privilege(oid, p)
UNION ALL
SELECT format('SELECT on %I.%I (the integrity gate)', schema, name) FROM rel WHERE schema = @app AND name = 'ChatMessage' AND NOT has_table_privilege(oid, 'SELECT')
UNION ALL
SELECT format('SELECT and INSERT on %I.%I (the cleanup migration is recorded)', schema, name)
FROM rel WHERE schema = @app AND name = '_prisma_migrations' AND NOT (has_table_privilege(oid, 'SELECT') AND has_table_privilege(oid, 'INSERT'))
UNION ALL
SELECT format('USAGE and CREATE on schema %I (the old Profile table moves there as the archive %I.%I)', @state, @state, 'ProfileOld')
WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @state)  -- without it the gates refuse (no run history)
  AND NOT (has_schema_privilege(@state, 'USAGE') AND has_schema_privilege(@state, 'CREATE'))
UNION ALL
SELECT format('%s on %I.%I (%s)', p, schema, name, CASE name WHEN 'run' THEN 'the run history' ELSE 'change tracking''s records' END)
FROM rel CROSS JOIN unnest(CASE name WHEN 'run' THEN ARRAY['SELECT', 'INSERT', 'UPDATE'] ELSE ARRAY['SELECT', 'UPDATE', 'DELETE'] END) p
WHERE schema = @state AND NOT has_table_privilege(oid, p);
