-- The tracking before 2026-12-02's third session: one function record_change() for the three tables (its blob-edit
-- path tests the table and the operation first) and the change table's primary key.
CREATE OR REPLACE FUNCTION matchmade.record_truncate(app_schema text, app_table text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, matchmade, pg_temp
AS $matchmade_record_truncate$
BEGIN
    IF app_table = 'Profile' THEN
        EXECUTE format('INSERT INTO changed_user (app_schema, context_profile_id) SELECT $1, "contextProfileId" FROM %I.%I', app_schema, app_table) USING app_schema;
    ELSIF app_table = 'ContextProfile' THEN
        EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT DISTINCT $1, "userId" FROM %I.%I', app_schema, app_table) USING app_schema;
    ELSE
        EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT $1, id FROM %I.%I', app_schema, app_table) USING app_schema;
    END IF;
END
$matchmade_record_truncate$;

-- One trigger function for the three tables, on every app write, so it is kept cheap (docs/performance.md measures
-- it). SECURITY DEFINER: the app's role needs no grant on the module's schema. It has no SET search_path (a
-- per-call configuration change that cost as much as its insert); instead nothing in it is looked up through the
-- caller's search_path: the table and function are schema-qualified, every operator is OPERATOR(pg_catalog.…), no
-- type is named, and defaults and casts are bound when created. Writes that cannot change the merge (a User's email,
-- a ContextProfile's updatedAt) are not recorded.
CREATE OR REPLACE FUNCTION matchmade.record_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
AS $matchmade_record_change$
BEGIN
    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'Profile' THEN
        -- The common write, a blob edited: two expressions and one insert.
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW."contextProfileId" OPERATOR(pg_catalog.=) OLD."contextProfileId" THEN
            INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
            RETURN NULL;
        END IF;
    END IF;

    IF TG_LEVEL OPERATOR(pg_catalog.=) 'STATEMENT' THEN
        PERFORM matchmade.record_truncate(TG_TABLE_SCHEMA, TG_TABLE_NAME);
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'Profile' THEN
        -- Created, deleted, or moved to another ContextProfile (a NULL id never compares equal: recorded).
        IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
            INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
            INSERT INTO matchmade.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, NEW."contextProfileId");
        END IF;
    ELSIF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'ContextProfile' THEN
        -- An update of these four columns only (a NULL makes the comparison NULL, so the write is recorded).
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.id OPERATOR(pg_catalog.=) OLD.id
           AND NEW."userId" OPERATOR(pg_catalog.=) OLD."userId"
           AND NEW."contextType" OPERATOR(pg_catalog.=) OLD."contextType"
           AND NEW."createdAt" OPERATOR(pg_catalog.=) OLD."createdAt" THEN
            RETURN NULL;
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
            INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD."userId");
        END IF;
        IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW."userId" OPERATOR(pg_catalog.<>) OLD."userId") THEN
            INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW."userId");
        END IF;
    ELSE
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.id OPERATOR(pg_catalog.=) OLD.id THEN
            RETURN NULL;
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
            INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD.id);
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
            INSERT INTO matchmade.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$matchmade_record_change$;

-- The app's roles fire the trigger function (firing needs no EXECUTE right); nobody else needs to call either.
REVOKE ALL ON FUNCTION matchmade.record_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION matchmade.record_truncate(text, text) FROM PUBLIC;
ALTER TABLE matchmade.changed_user ADD PRIMARY KEY (seq);
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['User', 'ContextProfile', 'Profile'] LOOP
        EXECUTE format('DROP TRIGGER matchmade_record_change ON public.%I', t);
        EXECUTE format('DROP TRIGGER matchmade_record_truncate ON public.%I', t);
        EXECUTE format('CREATE TRIGGER matchmade_record_change AFTER INSERT OR UPDATE OR DELETE ON public.%I FOR EACH ROW EXECUTE FUNCTION matchmade.record_change()', t);
        EXECUTE format('CREATE TRIGGER matchmade_record_truncate BEFORE TRUNCATE ON public.%I FOR EACH STATEMENT EXECUTE FUNCTION matchmade.record_change()', t);
    END LOOP;
END $$;
ALTER SEQUENCE matchmade.changed_user_seq_seq CACHE 1;
