-- The new tables' foreign keys: name, table, columns, referenced table and columns, ON DELETE / ON UPDATE actions,
-- the referenced table's schema; then what migration.sql's keys are not (MATCH FULL or PARTIAL, DEFERRABLE, INITIALLY
-- DEFERRED, NOT ENFORCED), and whether an enforced key is NOT VALID (the rows there when it was added were never
-- checked). conenforced is PostgreSQL 18's: read through to_jsonb, older servers (without it) run the same query.
SELECT c.conname, t.relname,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)::text[],
       r.relname,
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)::text[],
       c.confdeltype::text, c.confupdtype::text, rn.nspname,
       concat_ws(' ',
           CASE c.confmatchtype WHEN 'f' THEN 'MATCH FULL' WHEN 'p' THEN 'MATCH PARTIAL' END,
           CASE WHEN c.condeferrable THEN 'DEFERRABLE' END,
           CASE WHEN c.condeferred THEN 'INITIALLY DEFERRED' END,
           CASE WHEN NOT e.enforced THEN 'NOT ENFORCED' END),
       NOT c.convalidated AND e.enforced
FROM pg_catalog.pg_constraint c
CROSS JOIN LATERAL (SELECT coalesce((to_jsonb(c) ->> 'conenforced')::boolean, true) AS enforced) e
JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
JOIN pg_catalog.pg_class r ON r.oid = c.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f' AND n.nspname = @schema AND t.relname = ANY(@tables);
