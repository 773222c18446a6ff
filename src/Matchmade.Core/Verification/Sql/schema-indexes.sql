-- The new tables' indexes: name, table, unique, columns in order, and what makes an index other than a plain one on
-- those columns (a WHERE predicate, expressions, not valid): a partial or expression unique index shows the same
-- columns, yet does not forbid the duplicates.
SELECT i.relname, t.relname, x.indisunique,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n)::text[],
       concat_ws(', ',
           CASE WHEN x.indpred IS NOT NULL THEN 'WHERE ' || pg_catalog.pg_get_expr(x.indpred, x.indrelid) END,
           CASE WHEN x.indexprs IS NOT NULL THEN 'on expressions ' || pg_catalog.pg_get_expr(x.indexprs, x.indrelid) END,
           CASE WHEN NOT x.indisvalid THEN 'INVALID' END)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = @schema AND t.relname = ANY(@tables);
