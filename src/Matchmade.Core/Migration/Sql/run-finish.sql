UPDATE {state}.run
SET status = @status, finished_at = now(), report_path = @report_path, message = @message,
    users_failed = GREATEST(users_failed, @users_failed), errors = GREATEST(errors, @errors)
WHERE run_id = @run_id;
