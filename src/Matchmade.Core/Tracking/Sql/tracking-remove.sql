-- Undo: the triggers go with the new tables, and this schema's pending changes and marker with them.
DROP TRIGGER IF EXISTS matchmade_record_change ON {app}."Profile";
DROP TRIGGER IF EXISTS matchmade_record_truncate ON {app}."Profile";
DROP TRIGGER IF EXISTS matchmade_record_change ON {app}."ContextProfile";
DROP TRIGGER IF EXISTS matchmade_record_truncate ON {app}."ContextProfile";
DROP TRIGGER IF EXISTS matchmade_record_change ON {app}."User";
DROP TRIGGER IF EXISTS matchmade_record_truncate ON {app}."User";
