-- What outside the old Profile table depends on it: views and rules reading it, other tables' foreign keys pointing
-- at it. The cut-over moves the table into the archive (docs/decisions.md), and these would follow it there silently
-- (a view would go on reading the archive, another table's rows would reference it) where the seed's DROP TABLE would
-- have refused; so the gate names them and the DBA decides. The table's own indexes, constraints, triggers and policies
-- move with it and come back with Undo: they are not listed.
WITH old AS (
    SELECT c.oid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = @app AND c.relname = 'Profile' AND c.relkind IN ('r', 'p')
)
SELECT DISTINCT format('view or rule %s', r.ev_class::regclass)
FROM old
JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = old.oid
                            AND d.classid = 'pg_catalog.pg_rewrite'::regclass
JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
WHERE r.ev_class <> old.oid
UNION
SELECT format('foreign key %I of %s', con.conname, con.conrelid::regclass)
FROM old JOIN pg_catalog.pg_constraint con ON con.contype = 'f' AND con.confrelid = old.oid AND con.conrelid <> old.oid
ORDER BY 1;
