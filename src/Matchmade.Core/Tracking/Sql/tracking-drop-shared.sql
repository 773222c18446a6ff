-- Undo, when no app schema's trigger uses the function any more: the functions, the change table and the marker go too.
DROP FUNCTION IF EXISTS {state}.record_change();
DROP FUNCTION IF EXISTS {state}.record_truncate(text, text);
DROP TABLE IF EXISTS {state}.changed_user;
DROP TABLE IF EXISTS {state}.tracking_marker;
