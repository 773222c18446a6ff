-- Whether the change table is still logged (made by an earlier version): Install then makes it unlogged once, keeping
-- its rows (and takes no lock on it when it already is).
SELECT c.relpersistence = 'p'
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @state AND c.relname = 'changed_user';
