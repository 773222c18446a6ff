-- Runs inside the batch's transaction, so the history's counts and the findings journal match what is committed.
-- One statement: the batch's findings (null when it has none) go to the journal on the way.
WITH journal AS (
    INSERT INTO {state}.run_finding (run_id, findings)
    SELECT @run_id, @findings::bytea
    WHERE @findings::bytea IS NOT NULL
)
UPDATE {state}.run
SET users_migrated = users_migrated + @migrated,
    users_failed = users_failed + @failed,
    intents_written = intents_written + @intents,
    conflicts = conflicts + @conflicts,
    unmapped_fields = unmapped_fields + @unmapped,
    invalid_values = invalid_values + @invalid,
    errors = errors + @failed
WHERE run_id = @run_id;
