-- A tracking trigger that is there but does not fire for the app's sessions (ALTER TABLE ... DISABLE TRIGGER, or
-- ENABLE REPLICA TRIGGER) fires again. Needs the table's owner, as DROP TRIGGER does.
ALTER TABLE {app}.{table} ENABLE TRIGGER {trigger};
