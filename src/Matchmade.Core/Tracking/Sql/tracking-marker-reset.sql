-- Undo-ProfileMigration after a completion (ChangeTracking.MarkNotWhole): tracking is installed again, but nothing
-- recorded the app's writes while the schema was completed, so this schema's record is not whole until a
-- Sync-ProfileMigration -Full has reconciled every user (tracking-marker-arm.sql keeps this row and its armed_at,
-- tracking-marker-confirm.sql then sets complete).
INSERT INTO {state}.tracking_marker (app_schema, complete) VALUES (@app_schema, false)
ON CONFLICT (app_schema) DO UPDATE SET complete = false, armed_at = now();
