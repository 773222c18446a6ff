-- The columns of the new tables as the catalog has them (for the shape check); collation_name is NULL for the
-- database default (and for types without collation).
SELECT c.table_name, c.column_name, c.udt_name, c.is_nullable = 'NO' AS not_null, c.column_default, c.datetime_precision, c.collation_name
FROM information_schema.columns c
WHERE c.table_schema = @schema AND c.table_name = ANY(@tables)
ORDER BY c.table_name, c.ordinal_position;
