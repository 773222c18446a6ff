-- The module's record of a user whose new rows are gone (deleted by hand, or by a restore of the new tables alone):
-- the live run found no ProfileNew for the user and inserts it again, and the record's COPY hit the record's key. The
-- record goes, so the user is migrated again and recorded anew. Not while the user has a ProfileNew: then the record
-- is right and the conflict is another one.
DELETE FROM {state}.migrated_user m
WHERE m.app_schema = @app_schema AND m.user_id = @user_id
  AND NOT EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = m.user_id);
