-- Undo by a role that does not own the old tables (DROP TRIGGER needs the owner): the triggers stay until the owner
-- drops them, but the module's function they call ({function}, owned by this role) becomes a no-op, so they record
-- nothing any more. Invoke-ProfileMigration replaces it with the real one again.
CREATE OR REPLACE FUNCTION {state}.{function}() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $matchmade_disarmed$
BEGIN
    RETURN NULL;
END
$matchmade_disarmed$;
