-- Runs inside the batch's transaction, so the history's counts match what is committed.
UPDATE {state}.run
SET users_migrated = users_migrated + @migrated,
    users_failed = users_failed + @failed,
    intents_written = intents_written + @intents,
    conflicts = conflicts + @conflicts,
    unmapped_fields = unmapped_fields + @unmapped,
    invalid_values = invalid_values + @invalid,
    errors = errors + @failed
WHERE run_id = @run_id;
