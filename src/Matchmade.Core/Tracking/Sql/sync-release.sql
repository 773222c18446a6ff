-- In the batch's transaction: the claimed change records of the users just re-synced, found by their ctids (a TID
-- scan: the table has no index). The seq test keeps it exact: a ctid the claim read may hold another record by now
-- (a VACUUM FULL moved the rows, or a released record's slot was reused), which is then left alone, and a moved
-- record is simply claimed again by the next pass.
DELETE FROM {state}.changed_user WHERE ctid = ANY(@ctids::tid[]) AND seq = ANY(@seqs);
