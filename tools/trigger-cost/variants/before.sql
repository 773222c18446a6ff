-- A BEFORE ROW trigger on "Profile" (no after-trigger event queued), for the blob-edit path only.
CREATE FUNCTION matchmade.record_before() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW."contextProfileId" OPERATOR(pg_catalog.=) OLD."contextProfileId" THEN
        INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER matchmade_record_change ON public."Profile";
CREATE TRIGGER matchmade_record_change BEFORE UPDATE ON public."Profile" FOR EACH ROW EXECUTE FUNCTION matchmade.record_before();
