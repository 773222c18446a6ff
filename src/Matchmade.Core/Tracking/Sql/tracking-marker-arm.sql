-- Tracking installed for this app schema (complete = true), or a Sync-ProfileMigration -Full starting (complete =
-- false until it has reconciled every user): the marker row, kept if present. Returns the row's armed_at, the token
-- tracking-marker-confirm.sql matches (a crash in between removes the row, so the confirmation finds none), and
-- whether this inserted it (ChangeTracking.Install: a row kept while none of the triggers was there means a gap).
WITH inserted AS (
    INSERT INTO {state}.tracking_marker (app_schema, complete) VALUES (@app_schema, @complete)
    ON CONFLICT (app_schema) DO NOTHING
    RETURNING armed_at)
SELECT armed_at, true FROM inserted
UNION ALL
SELECT armed_at, false FROM {state}.tracking_marker WHERE app_schema = @app_schema
LIMIT 1;
