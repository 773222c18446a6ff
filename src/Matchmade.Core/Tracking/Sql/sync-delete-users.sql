-- Users that no longer exist in the old tables: their new rows (the foreign keys' cascade usually removed them
-- already) and the module's record of them.
DELETE FROM {app}."ContextIntent" WHERE "userId" = ANY(@user_ids);
DELETE FROM {app}."ProfileNew" WHERE "userId" = ANY(@user_ids);
DELETE FROM {state}.migrated_user WHERE app_schema = @app_schema AND user_id = ANY(@user_ids);
