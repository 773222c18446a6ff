-- Triggers (of any app schema) still calling one of the module's trigger functions named in @functions.
SELECT count(*)
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = @state AND p.proname = ANY(@functions);
