-- Can this role see pg_stat_replication's positions? Superusers and members of pg_read_all_stats (which pg_monitor
-- includes) can; for anyone else the server shows the rows with NULL positions.
SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
       OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
