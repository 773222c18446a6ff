-- Prisma's history rows for one migration, newest first.
SELECT id, checksum, finished_at, rolled_back_at, started_at, applied_steps_count, logs
FROM {app}."_prisma_migrations"
WHERE migration_name = @name
ORDER BY started_at DESC;
