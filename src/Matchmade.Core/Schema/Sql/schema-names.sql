-- For -Schema's tab completion: the database's own schemas (not the module's state schema, @state), those holding
-- the app's "User" table first.
SELECT n.nspname
FROM pg_namespace n
WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' AND n.nspname <> @state
ORDER BY EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'User' AND c.relkind IN ('r', 'p')) DESC, n.nspname;
