-- The new tables' indexes: name, table, unique, key columns in order, and what makes an index other than a plain
-- btree one on those columns, as migration.sql makes them: another access method; a key column with an operator class
-- that is not its type's default, a collation other than the column's, or another order than ASC NULLS LAST; INCLUDE
-- columns; a WHERE predicate or expressions (a partial or expression unique index shows the same columns, yet does not
-- forbid the duplicates); a DEFERRABLE unique or primary key (checked at commit); not valid.
SELECT i.relname, t.relname, x.indisunique,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             WHERE k.n <= x.indnkeyatts ORDER BY k.n)::text[],
       concat_ws(', ',
           CASE WHEN am.amname <> 'btree' THEN 'USING ' || am.amname END,
           (SELECT string_agg(concat_ws(' ', a.attname,
                       CASE WHEN x.indcollation[k.n] <> a.attcollation THEN 'COLLATE ' || quote_ident(co.collname) END,
                       CASE WHEN NOT oc.opcdefault THEN oc.opcname END,
                       CASE x.indoption[k.n] & 3 WHEN 1 THEN 'DESC NULLS LAST' WHEN 2 THEN 'NULLS FIRST' WHEN 3 THEN 'DESC' END), ', ' ORDER BY k.n)
            FROM generate_series(0, x.indnkeyatts - 1) k(n)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[k.n]
            JOIN pg_catalog.pg_opclass oc ON oc.oid = x.indclass[k.n]
            LEFT JOIN pg_catalog.pg_collation co ON co.oid = x.indcollation[k.n]
            WHERE x.indcollation[k.n] <> a.attcollation OR NOT oc.opcdefault OR (x.indoption[k.n] & 3) <> 0),
           CASE WHEN x.indnatts > x.indnkeyatts THEN 'INCLUDE (' || array_to_string(ARRAY(
               SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, n) JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
               WHERE k.n > x.indnkeyatts ORDER BY k.n), ', ') || ')' END,
           CASE WHEN x.indpred IS NOT NULL THEN 'WHERE ' || pg_catalog.pg_get_expr(x.indpred, x.indrelid) END,
           CASE WHEN x.indexprs IS NOT NULL THEN 'on expressions ' || pg_catalog.pg_get_expr(x.indexprs, x.indrelid) END,
           CASE WHEN NOT x.indimmediate THEN 'DEFERRABLE' END,
           CASE WHEN NOT x.indisvalid THEN 'INVALID' END)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = i.relam
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = @schema AND t.relname = ANY(@tables);
