-- Names in the module's schema that the cut-over's move needs free besides the archive's own ("ProfileOld", its own
-- gate): ALTER TABLE … SET SCHEMA takes the old table there under its name "Profile", with its indexes (an index lives
-- in its table's schema and shares the relations' namespace) and its row type and array type; any of these names
-- taken there (by someone's table, index, view, sequence or type) would make the cut-over fail under its lock. The
-- gate names them before anything is locked.
WITH state AS (
    SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = @state
), moving(name) AS (
    SELECT 'Profile'
    UNION
    SELECT i.relname
    FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid = to_regclass(format('%I.%I', @app, 'Profile'))
)
SELECT taken FROM (
    SELECT m.name::text
    FROM moving m, state s
    WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.relnamespace = s.oid AND c.relname = m.name)
    UNION
    SELECT t.typname::text
    FROM pg_catalog.pg_type t, state s
    WHERE t.typnamespace = s.oid AND t.typname IN ('Profile', '_Profile')
) names(taken)
ORDER BY taken::text COLLATE "C";
