-- What an earlier version's change table still has, which Install converts once, keeping its rows (and takes no lock
-- on it when there is nothing to convert): whether it is logged (made before it was unlogged), the name of its
-- primary key (made before the sync released records by ctid) or NULL, and how many values its sequence caches per
-- session (1 until then: a new table's sequence too, which Install then sets).
SELECT c.relpersistence = 'p',
       (SELECT k.conname::text FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'),
       (SELECT s.seqcache FROM pg_catalog.pg_sequence s
        WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence(format('%I.%I', @state, 'changed_user'), 'seq')::regclass)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = @state AND c.relname = 'changed_user';
