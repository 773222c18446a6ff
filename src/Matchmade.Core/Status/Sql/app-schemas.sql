-- The schemas an app's tables may live in, for -Schema's tab completion: every schema the role can use, except the
-- system's and the module's own state schema (@state). Schemas holding the old "User" table first.
SELECT n.nspname
FROM pg_namespace n
WHERE n.nspname NOT LIKE 'pg\_%'
  AND n.nspname <> 'information_schema'
  AND n.nspname <> @state
  AND has_schema_privilege(n.oid, 'USAGE')
ORDER BY NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'User' AND c.relkind IN ('r', 'p')), n.nspname;
