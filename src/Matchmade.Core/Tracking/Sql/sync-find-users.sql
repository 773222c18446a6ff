-- First in a sync batch when the role may not lock "User" rows (FOR KEY SHARE needs UPDATE on the table, which
-- docs/permissions.md does not ask for: the module never writes the old tables): the batch's users that exist, unlocked.
-- An app deleting one of them while the batch is written may then deadlock with it (sync-lock-users.sql): PostgreSQL
-- rolls one of the two back (the sync retries its batch).
SELECT id FROM {app}."User" WHERE id = ANY(@user_ids) ORDER BY id;
