-- What Undo-ProfileMigration needs to step back from a completion (docs/permissions.md), checked before it locks or
-- changes anything: one row per missing grant, with what it is for. Tables are found through the catalog (by name, no
-- privilege needed to look), so a missing USAGE on a schema is reported instead of raised.
WITH rel AS (
    SELECT n.nspname AS schema, c.relname AS name, c.oid, c.relowner
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND ((n.nspname = @app AND c.relname IN ('Profile', 'ContextProfile', 'User', '_prisma_migrations'))
        OR (n.nspname = @state AND c.relname = 'ProfileOld'))
)
SELECT format('USAGE and CREATE on schema %I (the archive moves back into it as the old Profile table)', @app)
WHERE NOT (has_schema_privilege(@app, 'USAGE') AND has_schema_privilege(@app, 'CREATE'))
UNION ALL
SELECT format('USAGE and CREATE on schema %I (change tracking''s function and table again)', @state)
WHERE NOT (has_schema_privilege(@state, 'USAGE') AND has_schema_privilege(@state, 'CREATE'))
UNION ALL
SELECT format('ownership of %I.%I (%s: membership in its owner role)', schema, name,
              CASE name WHEN 'Profile' THEN 'renamed back to ProfileNew' ELSE 'moved back, its foreign key added' END)
FROM rel WHERE ((schema = @app AND name = 'Profile') OR (schema = @state AND name = 'ProfileOld')) AND NOT pg_has_role(relowner, 'USAGE')
UNION ALL
SELECT format('REFERENCES on %I.%I (the old Profile table''s foreign key)', schema, name)
FROM rel WHERE schema = @app AND name = 'ContextProfile' AND NOT has_table_privilege(oid, 'REFERENCES')
UNION ALL
SELECT format('TRIGGER on %I.%I (change tracking reinstalled)', schema, name)
FROM rel WHERE schema = @app AND name IN ('ContextProfile', 'User') AND NOT has_table_privilege(oid, 'TRIGGER')
UNION ALL
SELECT format('SELECT and UPDATE on %I.%I (the cleanup migration marked rolled back)', schema, name)
FROM rel WHERE schema = @app AND name = '_prisma_migrations' AND NOT (has_table_privilege(oid, 'SELECT') AND has_table_privilege(oid, 'UPDATE'));
