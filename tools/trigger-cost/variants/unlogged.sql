-- The change table (and its sequence) unlogged: no WAL for the record's heap tuple and index entry.
ALTER TABLE matchmade.changed_user SET UNLOGGED;
