-- The change table as it was before (logged): every recorded write adds WAL for the record's heap tuple and index entry.
ALTER TABLE matchmade.changed_user SET LOGGED;
ALTER TABLE matchmade.tracking_marker SET LOGGED;
