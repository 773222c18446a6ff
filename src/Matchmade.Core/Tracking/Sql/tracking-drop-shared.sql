-- Undo, when no app schema's trigger uses the functions any more: the functions (this version's and an earlier one's),
-- the change table and the marker go too.
DROP FUNCTION IF EXISTS {state}.record_profile_change();
DROP FUNCTION IF EXISTS {state}.record_context_profile_change();
DROP FUNCTION IF EXISTS {state}.record_user_change();
DROP FUNCTION IF EXISTS {state}.record_truncate();
DROP FUNCTION IF EXISTS {state}.record_change();
DROP FUNCTION IF EXISTS {state}.record_truncate(text, text);
DROP TABLE IF EXISTS {state}.changed_user;
DROP TABLE IF EXISTS {state}.tracking_marker;
