-- What the current role may do, for the preflight check of a live run (nothing is written before it passes).
SELECT
  has_database_privilege(current_database(), 'CREATE')                                                     AS db_create,
  -- has_schema_privilege raises for a schema that does not exist, hence the CASEs.
  CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @app) THEN has_schema_privilege(@app, 'USAGE') ELSE true END   AS app_usage,
  CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @app) THEN has_schema_privilege(@app, 'CREATE') ELSE true END  AS app_create,
  CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @state)
       THEN has_schema_privilege(@state, 'USAGE') AND has_schema_privilege(@state, 'CREATE') ELSE false END                            AS state_usage_create,
  EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = @state)                                    AS state_exists,
  ARRAY(SELECT t FROM unnest(@old_tables::text[]) t
        WHERE to_regclass(format('%I.%I', @app, t)) IS NOT NULL
          AND NOT has_table_privilege(format('%I.%I', @app, t), 'SELECT'))                                 AS old_not_selectable,
  to_regclass(format('%I.%I', @app, 'User')) IS NULL
    OR has_table_privilege(format('%I.%I', @app, 'User'), 'REFERENCES')                                    AS user_references,
  ARRAY(SELECT t || ':' || p FROM unnest(@new_tables::text[]) t CROSS JOIN unnest(@new_privileges::text[]) p
        WHERE to_regclass(format('%I.%I', @app, t)) IS NOT NULL
          AND NOT has_table_privilege(format('%I.%I', @app, t), p))                                        AS new_missing,
  CASE WHEN to_regclass(format('%I.%I', @app, '_prisma_migrations')) IS NULL THEN true
       ELSE has_table_privilege(format('%I.%I', @app, '_prisma_migrations'), 'SELECT')
        AND has_table_privilege(format('%I.%I', @app, '_prisma_migrations'), 'INSERT') END               AS prisma_ok,
  to_regclass(format('%I.%I', @app, 'ProfileNew')) IS NOT NULL                                             AS new_exist,
  -- Change tracking creates triggers on the old tables: the TRIGGER privilege (owners have it).
  ARRAY(SELECT t FROM unnest(@tracked_tables::text[]) t
        WHERE to_regclass(format('%I.%I', @app, t)) IS NOT NULL
          AND NOT has_table_privilege(format('%I.%I', @app, t), 'TRIGGER'))                                AS not_triggerable;
