-- The module's record of which rows it wrote goes with the rows.
DELETE FROM {state}.migrated_user WHERE app_schema = @app_schema;
