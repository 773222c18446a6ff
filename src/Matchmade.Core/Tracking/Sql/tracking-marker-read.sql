-- Whether this app schema's change record is whole (no row: crash recovery emptied it, or it was never armed).
SELECT coalesce((SELECT complete FROM {state}.tracking_marker WHERE app_schema = @app_schema), false);
