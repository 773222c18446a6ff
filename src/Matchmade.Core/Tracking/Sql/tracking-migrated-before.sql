-- ChangeTracking.Install with no trigger in place: whether users of this schema were migrated already (with
-- -NoChangeTracking, or before an undone completion). The app's writes since then have no record, so the record
-- starts reset and only Sync-ProfileMigration -Full can make it whole.
SELECT EXISTS (SELECT 1 FROM {state}.migrated_user WHERE app_schema = @app_schema);
