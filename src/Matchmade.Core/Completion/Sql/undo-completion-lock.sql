-- Undo of a completion: the renamed table goes back to ProfileNew and the old Profile comes back (its foreign key
-- and tracking's triggers add triggers to ContextProfile and User).
LOCK TABLE {app}."Profile", {app}."ContextProfile", {app}."User" IN ACCESS EXCLUSIVE MODE;
