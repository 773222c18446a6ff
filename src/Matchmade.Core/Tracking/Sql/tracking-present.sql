-- Which of tracking's triggers exist on the app's old tables (table:trigger pairs), and whether the change table exists.
SELECT ARRAY(
         SELECT c.relname || ':' || t.tgname
         FROM pg_catalog.pg_trigger t
         JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = @app AND c.relname = ANY(@tables)
           AND t.tgname IN ('matchmade_record_change', 'matchmade_record_truncate')),
       to_regclass(format('%I.%I', @state, 'changed_user')) IS NOT NULL;
