-- Which of the named tables exist in the schema @schema (ordinary or partitioned tables only).
SELECT c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @schema
  AND c.relname = ANY(@names)
  AND c.relkind IN ('r', 'p');
