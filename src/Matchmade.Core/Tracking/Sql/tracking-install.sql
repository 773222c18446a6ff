-- Change tracking (the transition: the app still writes the old tables). Everything lives in the module's own
-- schema; on the app's tables only the triggers are added (tracking-triggers.sql). Idempotent: every live run
-- executes it, in one transaction with the triggers.
CREATE SCHEMA IF NOT EXISTS {state};

-- One row per write that may change a user's merge. Profile writes carry the ContextProfile id, resolved to the
-- user by the sync (a lookup in the trigger would slow every app write); the others carry the user id.
CREATE TABLE IF NOT EXISTS {state}.changed_user (
    seq                 bigserial   PRIMARY KEY,
    app_schema          text        NOT NULL,
    user_id             text,
    context_profile_id  text,
    changed_at          timestamptz NOT NULL DEFAULT now()
);

-- One function for the three tables. SECURITY DEFINER: the app's role needs no grant on the module's schema; the
-- fixed search_path (pg_catalog first, pg_temp last) keeps a caller's objects from shadowing anything it uses.
-- Writes that cannot change the merge (a User's email, a ContextProfile's updatedAt) are not recorded.
CREATE OR REPLACE FUNCTION {state}.record_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, {state}, pg_temp
AS $matchmade_record_change$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        -- BEFORE TRUNCATE (also of tables truncated by CASCADE): every row is about to go, so every user changes.
        IF TG_TABLE_NAME = 'Profile' THEN
            EXECUTE format('INSERT INTO changed_user (app_schema, context_profile_id) SELECT $1, "contextProfileId" FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
        ELSIF TG_TABLE_NAME = 'ContextProfile' THEN
            EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT DISTINCT $1, "userId" FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
        ELSE
            EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT $1, id FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
        END IF;
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME = 'Profile' THEN
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW."contextProfileId" IS DISTINCT FROM OLD."contextProfileId") THEN
            INSERT INTO changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, NEW."contextProfileId");
        END IF;
    ELSIF TG_TABLE_NAME = 'ContextProfile' THEN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW."userId" = OLD."userId"
           AND NEW."contextType" = OLD."contextType" AND NEW."createdAt" = OLD."createdAt" THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD."userId");
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW."userId" <> OLD."userId") THEN
            INSERT INTO changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW."userId");
        END IF;
    ELSE
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            INSERT INTO changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD.id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$matchmade_record_change$;

-- The app's roles fire the function; nobody else needs to call it.
REVOKE ALL ON FUNCTION {state}.record_change() FROM PUBLIC;
