-- Change tracking (the transition: the app still writes the old tables). Everything lives in the module's own
-- schema; on the app's tables only the triggers are added (tracking-trigger-*.sql). Idempotent: every live run
-- executes it, in one transaction with the triggers.
CREATE SCHEMA IF NOT EXISTS {state};

-- One row per write that may change a user's merge. Profile writes carry the ContextProfile id, resolved to the
-- user by the sync (a lookup in the trigger would slow every app write); the others carry the user id.
-- UNLOGGED: the app's write then adds no WAL for the record (its heap tuple and index entry were half of a blob
-- edit's WAL: docs/performance.md). The price: crash recovery empties it and a standby has none, so the records of a
-- crash's window would be lost silently; tracking_marker below makes that loud (docs/decisions.md).
-- No index: its insert was a sixth of the trigger's instructions (docs/performance.md), and nothing needs it: the
-- table holds only pending records, which the sync reads whole once per pass and releases by ctid (sync-release.sql).
CREATE UNLOGGED TABLE IF NOT EXISTS {state}.changed_user (
    seq                 bigserial,
    app_schema          text        NOT NULL,
    user_id             text,
    context_profile_id  text,
    changed_at          timestamptz NOT NULL DEFAULT now()
);
-- (A table made by an earlier version, logged or with a primary key, is converted by ChangeTracking.Install:
-- tracking-earlier.sql.)

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
-- this trigger function may pay for a fixed search_path. SECURITY DEFINER: the app's role needs no grant.
CREATE OR REPLACE FUNCTION {state}.record_truncate() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, {state}, pg_temp
AS $matchmade_record_truncate$
BEGIN
    IF TG_TABLE_NAME = 'Profile' THEN
        EXECUTE format('INSERT INTO changed_user (app_schema, context_profile_id) SELECT $1, "contextProfileId" FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
    ELSIF TG_TABLE_NAME = 'ContextProfile' THEN
        EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT DISTINCT $1, "userId" FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
    ELSE
        EXECUTE format('INSERT INTO changed_user (app_schema, user_id) SELECT $1, id FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) USING TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$matchmade_record_truncate$;

-- The row triggers' functions, one per table (tracking-trigger-row.sql), on every app write, so they are kept cheap
-- (docs/performance.md measures them): each tests only its own table's cases. SECURITY DEFINER: the app's role needs
-- no grant on the module's schema. No SET search_path (a per-call configuration change that cost as much as the
-- insert); instead nothing in them is looked up through the caller's search_path: the table is schema-qualified,
-- every operator is OPERATOR(pg_catalog.…), no type is named, and defaults and casts are bound when created. Writes
-- that cannot change the merge (a User's email, a ContextProfile's updatedAt) are not recorded. OLD is NULL in an
-- INSERT's trigger and NEW in a DELETE's, so a comparison of the two is NULL there: not the edit's path.
CREATE OR REPLACE FUNCTION {state}.record_profile_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
AS $matchmade_record_profile_change$
BEGIN
    -- The common write, a blob edited (the row stays with its ContextProfile): one expression and one insert.
    IF NEW."contextProfileId" OPERATOR(pg_catalog.=) OLD."contextProfileId" THEN
        INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
        RETURN NULL;
    END IF;
    -- Created, deleted, or moved to another ContextProfile (a NULL id never compares equal: recorded).
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, OLD."contextProfileId");
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        INSERT INTO {state}.changed_user (app_schema, context_profile_id) VALUES (TG_TABLE_SCHEMA, NEW."contextProfileId");
    END IF;
    RETURN NULL;
END
$matchmade_record_profile_change$;

CREATE OR REPLACE FUNCTION {state}.record_context_profile_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
AS $matchmade_record_context_profile_change$
BEGIN
    -- An update of these four columns only (a NULL makes the comparison NULL, so the write is recorded).
    IF NEW.id OPERATOR(pg_catalog.=) OLD.id
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
    RETURN NULL;
END
$matchmade_record_context_profile_change$;

CREATE OR REPLACE FUNCTION {state}.record_user_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
AS $matchmade_record_user_change$
BEGIN
    IF NEW.id OPERATOR(pg_catalog.=) OLD.id THEN
        RETURN NULL;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, OLD.id);
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        INSERT INTO {state}.changed_user (app_schema, user_id) VALUES (TG_TABLE_SCHEMA, NEW.id);
    END IF;
    RETURN NULL;
END
$matchmade_record_user_change$;

-- The app's roles fire the trigger functions (firing needs no EXECUTE right); nobody needs to call them.
REVOKE ALL ON FUNCTION {state}.record_profile_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION {state}.record_context_profile_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION {state}.record_user_change() FROM PUBLIC;
REVOKE ALL ON FUNCTION {state}.record_truncate() FROM PUBLIC;
