-- Under the write lock, with change tracking: the current rows of the contexts the app wrote since the copy. After
-- this the archive is the old table at the cut-over, row for row, without comparing the whole table.
INSERT INTO {state}."ProfileOld"
SELECT p.* FROM {app}."Profile" p
WHERE p."contextProfileId" IN (SELECT c.context_profile_id FROM {state}.changed_user c
                               WHERE c.app_schema = @app_schema AND c.context_profile_id IS NOT NULL);
