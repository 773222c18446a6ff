-- Undo of a completion: the renamed table goes back to ProfileNew and the archive comes back as the old Profile (its
-- foreign key and tracking's triggers add triggers to ContextProfile and User; the archive itself is locked by the
-- statements that move it, nothing else uses it).
LOCK TABLE {app}."Profile", {app}."ContextProfile", {app}."User" IN ACCESS EXCLUSIVE MODE;
