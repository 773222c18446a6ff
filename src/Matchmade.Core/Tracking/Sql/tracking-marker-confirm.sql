-- A Sync-ProfileMigration -Full reconciled every user: the record is whole again, if no crash emptied it meanwhile.
UPDATE {state}.tracking_marker SET complete = true WHERE app_schema = @app_schema AND armed_at = @armed_at;
