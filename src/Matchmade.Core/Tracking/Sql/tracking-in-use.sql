-- Triggers (of any schema) still calling the module's function; and this schema's rows in the change table.
SELECT (SELECT count(*) FROM pg_catalog.pg_trigger
        WHERE to_regprocedure(format('%I.record_change()', @state)) IS NOT NULL
          AND tgfoid = to_regprocedure(format('%I.record_change()', @state)));
