-- Undo, when no app schema's trigger uses the function any more: the functions and the change table go too.
DROP FUNCTION IF EXISTS {state}.record_change();
DROP FUNCTION IF EXISTS {state}.record_truncate(text, text);
DROP TABLE IF EXISTS {state}.changed_user;
