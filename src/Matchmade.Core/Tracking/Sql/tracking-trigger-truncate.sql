-- Tracking's TRUNCATE trigger on one of the app's old tables ({table}, quoted): BEFORE, so it can still read the rows.
CREATE TRIGGER matchmade_record_truncate BEFORE TRUNCATE ON {app}.{table}
    FOR EACH STATEMENT EXECUTE FUNCTION {state}.{function}();
