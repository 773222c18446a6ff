-- What outside the new tables depends on them: views and rules reading them, other tables' foreign keys pointing at
-- them (a DBA's report view, a table the app added). The undo's DROP TABLE would refuse them deep in its transaction
-- with a bare "other objects depend on it"; dropping them with CASCADE would remove someone's objects silently. So they
-- are named before anything is locked, in -WhatIf too, and the DBA decides. The tables' own indexes, constraints and
-- triggers, and the foreign keys between them, go with them: they are not listed.
WITH new AS (
    SELECT c.oid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = @app AND c.relname = ANY(@tables) AND c.relkind IN ('r', 'p')
)
SELECT DISTINCT format('view or rule %s', r.ev_class::regclass)
FROM new
JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = new.oid
                            AND d.classid = 'pg_catalog.pg_rewrite'::regclass
JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
WHERE r.ev_class NOT IN (SELECT oid FROM new)
UNION
SELECT format('foreign key %I of %s', con.conname, con.conrelid::regclass)
FROM new JOIN pg_catalog.pg_constraint con ON con.contype = 'f' AND con.confrelid = new.oid
WHERE con.conrelid NOT IN (SELECT oid FROM new)
ORDER BY 1;
