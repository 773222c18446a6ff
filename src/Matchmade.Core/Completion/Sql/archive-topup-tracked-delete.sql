-- Under the write lock, with change tracking: every write to the old Profile table recorded the contextProfileId of
-- the row before and after it (cascaded deletes and TRUNCATE too), and nothing has released those records yet (the
-- run lock keeps syncs out). Archived rows of those contexts go; unchanged rows stay as copied.
DELETE FROM {state}."ProfileOld" a
WHERE a."contextProfileId" IN (SELECT c.context_profile_id FROM {state}.changed_user c
                               WHERE c.app_schema = @app_schema AND c.context_profile_id IS NOT NULL);
