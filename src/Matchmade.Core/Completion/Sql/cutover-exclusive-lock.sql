-- The cut-over's last lock, taken only for the catalog changes just before the commit: moving the old Profile table
-- into the archive, the rename (ProfileNew), the stand-in's drop and the triggers removed from User and ContextProfile
-- (DROP TRIGGER, and the old foreign key's triggers on ContextProfile) need ACCESS EXCLUSIVE.
LOCK TABLE {app}."ProfileNew", {app}."Profile", {app}."ContextProfile", {app}."User" IN ACCESS EXCLUSIVE MODE;
