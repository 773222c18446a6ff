-- Undo, when no app schema's trigger uses the function any more: the function and the change table go too.
DROP FUNCTION IF EXISTS {state}.record_change();
DROP TABLE IF EXISTS {state}.changed_user;
