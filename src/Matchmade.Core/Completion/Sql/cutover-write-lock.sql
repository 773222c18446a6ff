-- The cut-over's first lock: the app's writes to the old tables wait (SHARE ROW EXCLUSIVE conflicts with ROW
-- EXCLUSIVE), its reads go on, and so do ChatMessage inserts (their foreign-key check takes ROW SHARE).
LOCK TABLE {app}."User", {app}."ContextProfile", {app}."Profile" IN SHARE ROW EXCLUSIVE MODE;
