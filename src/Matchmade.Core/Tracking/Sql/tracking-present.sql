-- Which of tracking's triggers exist on the app's old tables (table:trigger:function:firing, the function's name when
-- it is the module's, else empty: an earlier version's triggers call another function; firing is tgenabled: O and A
-- fire for the app's sessions, D (ALTER TABLE ... DISABLE TRIGGER) and R (ENABLE REPLICA) do not), whether the change table exists,
-- whether this role may read it and the marker (status and integrity run as read-only roles too), whether the marker
-- table exists, and whether this is a standby (where the unlogged tables cannot be read at all).
SELECT ARRAY(
         SELECT c.relname || ':' || t.tgname || ':' || CASE WHEN pn.nspname = @state THEN p.proname::text ELSE '' END
                || ':' || t.tgenabled::text
         FROM pg_catalog.pg_trigger t
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid
         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
         WHERE n.nspname = @app AND c.relname = ANY(@tables)
           AND t.tgname IN ('matchmade_record_change', 'matchmade_record_truncate')),
       to_regclass(format('%I.%I', @state, 'changed_user')) IS NOT NULL,
       CASE WHEN to_regclass(format('%I.%I', @state, 'changed_user')) IS NULL THEN false
            ELSE has_schema_privilege(@state, 'USAGE') AND has_table_privilege(format('%I.%I', @state, 'changed_user'), 'SELECT')
                 AND (to_regclass(format('%I.%I', @state, 'tracking_marker')) IS NULL
                      OR has_table_privilege(format('%I.%I', @state, 'tracking_marker'), 'SELECT')) END,
       to_regclass(format('%I.%I', @state, 'tracking_marker')) IS NOT NULL,
       pg_catalog.pg_is_in_recovery();
