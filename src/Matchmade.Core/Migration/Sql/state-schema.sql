-- The module's own bookkeeping, in its own schema so Prisma never sees drift in the app's schema.
-- Idempotent: every run executes it.
CREATE SCHEMA IF NOT EXISTS {state};

-- One row per run attempt (live runs; a dry run writes nothing anywhere).
CREATE TABLE IF NOT EXISTS {state}.run (
    run_id               uuid PRIMARY KEY,
    app_schema           text        NOT NULL,
    mode                 text        NOT NULL,
    status               text        NOT NULL,
    module_version       text        NOT NULL,
    rules_fingerprint    text        NOT NULL,
    parameters           jsonb       NOT NULL DEFAULT '{}',
    started_at           timestamptz NOT NULL DEFAULT now(),
    finished_at          timestamptz,
    backend_pid          integer     NOT NULL DEFAULT pg_backend_pid(),
    client_host          text        DEFAULT inet_client_addr()::text,
    users_total          bigint      NOT NULL DEFAULT 0,
    users_migrated       bigint      NOT NULL DEFAULT 0,
    users_skipped        bigint      NOT NULL DEFAULT 0,
    users_failed         bigint      NOT NULL DEFAULT 0,
    intents_written      bigint      NOT NULL DEFAULT 0,
    conflicts            bigint      NOT NULL DEFAULT 0,
    unmapped_fields      bigint      NOT NULL DEFAULT 0,
    invalid_values       bigint      NOT NULL DEFAULT 0,
    errors               bigint      NOT NULL DEFAULT 0,
    report_path          text,
    message              text
);

-- Which users this module migrated, and the ProfileNew row it wrote for each: how Undo-ProfileMigration tells the
-- module's rows from rows the app wrote itself.
CREATE TABLE IF NOT EXISTS {state}.migrated_user (
    app_schema    text        NOT NULL,
    user_id       text        NOT NULL,
    run_id        uuid        NOT NULL,
    profile_id    text        NOT NULL,
    intent_count  integer     NOT NULL,
    migrated_at   timestamp(3) NOT NULL,
    kept_by       xid[]       NOT NULL DEFAULT '{}',
    PRIMARY KEY (app_schema, user_id)
);

-- kept_by: the xmins of the user's rows (ProfileNew, ContextIntents) a rebuild in place left alone (upsert-profile.sql).
-- Added to a table an earlier version of the module created; only then does this need the table's owner.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '{state}.migrated_user'::regclass AND attname = 'kept_by' AND NOT attisdropped) THEN
        ALTER TABLE {state}.migrated_user ADD COLUMN kept_by xid[] NOT NULL DEFAULT '{}';
    END IF;
END
$$;

-- The findings journal: the findings and errors of each committed batch, in the report's own entry format
-- (docs/report-schema.md: {"conflicts":[…],"unmappedFields":[…],"invalidValues":[…],"errors":[…]}, UTF-8 JSON kept as
-- bytes so values stay exactly as the report writes them). Written in the batch's own transaction, so a killed run's
-- findings survive exactly with its committed batches; a run's rows are removed once its report file is written.
CREATE TABLE IF NOT EXISTS {state}.run_finding (
    run_id    uuid   NOT NULL,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    findings  bytea  NOT NULL,
    PRIMARY KEY (run_id, seq)
);
