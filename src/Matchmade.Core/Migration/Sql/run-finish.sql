-- The run's end; once its report file is written, the report holds its findings and the journal's rows go.
WITH pruned AS (
    DELETE FROM {state}.run_finding
    WHERE run_id = @run_id AND @report_path::text IS NOT NULL
)
UPDATE {state}.run
SET status = @status, finished_at = now(), report_path = @report_path, message = @message,
    users_failed = GREATEST(users_failed, @users_failed), errors = GREATEST(errors, @errors)
WHERE run_id = @run_id;
