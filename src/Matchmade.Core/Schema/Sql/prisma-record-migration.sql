-- What `prisma migrate deploy` writes for an applied migration: started when the transaction began, finished now.
INSERT INTO {app}."_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
VALUES (@id, @checksum, clock_timestamp(), @name, NULL, NULL, now(), 1);
