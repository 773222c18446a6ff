-- This server's current WAL position and every standby's replay position, as byte offsets (LSN - 0/0).
-- The row without a standby (pid NULL) still carries the current position. pg_stat_replication's positions are NULL
-- for roles that are neither superuser nor members of pg_read_all_stats (pg_monitor): replication-visibility.sql.
-- 'backup' senders (pg_basebackup) and starting/stopping ones are not standbys a run should wait for.
SELECT w.current_pos,
       r.pid,
       r.name,
       r.replay_pos,
       r.replay_lag_seconds
FROM (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS current_pos) AS w
LEFT JOIN (
    SELECT pid,
           coalesce(nullif(application_name, ''), host(client_addr), 'pid ' || pid) AS name,
           pg_wal_lsn_diff(replay_lsn, '0/0')::bigint AS replay_pos,
           extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds
    FROM pg_stat_replication
    WHERE state IN ('streaming', 'catchup')
) AS r ON true
