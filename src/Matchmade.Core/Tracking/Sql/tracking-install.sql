-- Change tracking (the transition: the app still writes the old tables). Everything lives in the module's own
-- schema; on the app's tables only the triggers are added (tracking-trigger-*.sql). Idempotent: every live run
-- executes it, in one transaction with the triggers.
CREATE SCHEMA IF NOT EXISTS {state};

-- One row per write that may change a user's merge. Profile writes carry the ContextProfile id, resolved to the
-- user by the sync (a lookup in the trigger would slow every app write); the others carry the user id.
-- UNLOGGED: the app's write then adds no WAL for the record (its heap tuple and index entry were half of a blob
-- edit's WAL: docs/performance.md). The price: crash recovery empties it and a standby has none, so the records of a
-- crash's window would be lost silently; tracking_marker below makes that loud (docs/decisions.md).
CREATE UNLOGGED TABLE IF NOT EXISTS {state}.changed_user (
    seq                 bigserial   PRIMARY KEY,
    app_schema          text        NOT NULL,
    user_id             text,
    context_profile_id  text,
    changed_at          timestamptz NOT NULL DEFAULT now()
);
-- (A table made by an earlier version, logged, is made unlogged by ChangeTracking.Install: tracking-logged.sql.)

-- One row per app schema whose change record is whole: written when tracking is installed (ChangeTracking.Install)
-- and confirmed by a Sync-ProfileMigration -Full that reconciled every user. Unlogged like the record, so crash
-- recovery empties both together: a missing (or unconfirmed) row means the record may miss changes ("reset"), and
-- only -Full can catch up.
CREATE UNLOGGED TABLE IF NOT EXISTS {state}.tracking_marker (
    app_schema  text        PRIMARY KEY,
    armed_at    timestamptz NOT NULL DEFAULT now(),
    complete    boolean     NOT NULL
);

-- A TRUNCATE (also of tables truncated by CASCADE) is about to remove every row, so every user changes. Rare, so
-- this may pay for a fixed search_path; record_change calls it (as the module's role, so PUBLIC needs no grant).
CREATE OR REPLACE FUNCTION {state}.record_truncate(app_schema text, app_table text) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, {state}, pg_temp
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
CREATE OR REPLACE FUNCTION {state}.record_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
AS $matchmade_record_change$
BEGIN
    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'Profile' THEN
        -- The common write, a blob edited: two expressions and one insert.
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW."contextProfileId" OPERATOR(pg_catalog.=) OLD."contextProfileId" THEN
            INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
            RETURN NULL;
        END IF;
    END IF;

    IF TG_LEVEL OPERATOR(pg_catalog.=) 'STATEMENT' THEN
        PERFORM {state}.record_truncate(TG_TABLE_SCHEMA, TG_TABLE_NAME);
        RETURN NULL;
    END IF;

    IF TG_TABLE_NAME OPERATOR(pg_catalog.=) 'Profile' THEN
        -- Created, deleted, or moved to another ContextProfile (a NULL id never compares equal: recorded).
        IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
            INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
            INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, NEW."contextProfileId");
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
            INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD."userId");
        END IF;
        IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW."userId" OPERATOR(pg_catalog.<>) OLD."userId") THEN
            INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW."userId");
        END IF;
    ELSE
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.id OPERATOR(pg_catalog.=) OLD.id THEN
            RETURN NULL;
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
            INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD.id);
        END IF;
        IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
            INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW.id);
        END IF;
    END IF;
    RETURN NULL;
END
$matchmade_record_change$;

-- The app's roles fire the trigger function (firing needs no EXECUTE right); nobody else needs to call either.
REVOKE ALL ON FUNCTION {state}.record_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION {state}.record_truncate(text, text) FROM PUBLIC;
