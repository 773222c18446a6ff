-- First in a sync batch: the batch's users' rows, in id order, FOR KEY SHARE. The batch's writes take this lock anyway
-- (the new tables' foreign keys), but only after locking new rows; an app deleting one of these users locks the User
-- row first and then (by cascade) the same new rows, so taking it first keeps the two from deadlocking: the app's
-- delete waits for the batch instead. The ids returned are the users that exist: the batch was read before its
-- transaction, and a claimed user not returned here (deleted before or after that read) is treated as deleted.
SELECT id FROM {app}."User" WHERE id = ANY(@user_ids) ORDER BY id FOR KEY SHARE;
