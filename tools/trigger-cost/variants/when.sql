-- The blob edit in a trigger of its own with a WHEN clause (evaluated by the executor, no plpgsql IF), calling a
-- function that only inserts.
CREATE FUNCTION matchmade.record_edit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
    RETURN NULL;
END $$;
DROP TRIGGER matchmade_record_change ON public."Profile";
CREATE TRIGGER matchmade_record_edit AFTER UPDATE ON public."Profile" FOR EACH ROW
    WHEN (OLD."contextProfileId" = NEW."contextProfileId") EXECUTE FUNCTION matchmade.record_edit();
