-- First in a live batch's transaction: which of the batch's users still exist. The batch was read before its
-- transaction (the pipeline reads the next batch while this one is written), so the app may have deleted some of its
-- users since; their rows are not written (the foreign keys would refuse them, the batch be redone user by user and
-- the user reported as failed). No row lock (FOR KEY SHARE needs UPDATE on "User", which the run does not have): a user
-- deleted after this and before the write is caught by its foreign key violation (LiveWriteSink).
SELECT id FROM {app}."User" WHERE id = ANY(@user_ids);
