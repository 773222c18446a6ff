-- Who holds Matchmade's run lock on this database.
SELECT a.pid, a.application_name, a.client_addr::text, a.backend_start, a.usename, a.query_start
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  AND l.classid::bigint = @class_id AND l.objid::bigint = @object_id AND l.objsubid = 2
LIMIT 1;
