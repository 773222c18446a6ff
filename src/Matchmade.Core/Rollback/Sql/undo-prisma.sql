-- What `prisma migrate resolve --rolled-back` records, so `prisma migrate deploy` applies the migration again.
UPDATE {app}."_prisma_migrations"
SET rolled_back_at = now()
WHERE migration_name = @name AND rolled_back_at IS NULL;
