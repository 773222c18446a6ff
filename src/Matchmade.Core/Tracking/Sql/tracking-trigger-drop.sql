-- Install, for a trigger an earlier version made (calling its single function record_change()): it is made again
-- with this version's function, in the install's transaction.
DROP TRIGGER {trigger} ON {app}.{table};
