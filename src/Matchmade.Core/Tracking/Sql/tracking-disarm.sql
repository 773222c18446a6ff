-- Undo by a role that does not own the old tables (DROP TRIGGER needs the owner): the triggers stay until the owner
-- drops them, but the module's function (which this role owns) becomes a no-op, so they record nothing any more.
-- Invoke-ProfileMigration replaces it with the real one again.
CREATE OR REPLACE FUNCTION {state}.record_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $matchmade_record_change$
BEGIN
    RETURN NULL;
END
$matchmade_record_change$;
