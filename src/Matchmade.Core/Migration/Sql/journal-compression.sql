-- Whether the findings journal's column should be switched to lz4: the server was built with lz4 (the setting then
-- offers it), the column does not use it yet (a table made by an earlier module version, or just now), and this role
-- may alter the table (its owner's privileges: a role that only has grants, e.g. the cut-over's, leaves it as it is).
-- PostgreSQL 14 and later only (the caller checks): pg_attribute.attcompression and SET COMPRESSION are 14's.
SELECT count(*) > 0
FROM pg_settings s, pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE s.name = 'default_toast_compression' AND 'lz4' = ANY (s.enumvals)
  AND n.nspname = @state_schema AND c.relname = 'run_finding' AND a.attname = 'findings'
  AND a.attcompression IS DISTINCT FROM 'l'
  AND pg_has_role(c.relowner, 'USAGE');
