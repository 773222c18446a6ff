-- In the batch's transaction: the claimed change records of the users just re-synced.
DELETE FROM {state}.changed_user WHERE seq = ANY(@seqs);
