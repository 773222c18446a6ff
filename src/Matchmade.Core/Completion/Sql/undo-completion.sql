-- Undo of a completion: cleanup-migration.sql backwards, and the archive moved back (it is the old Profile table,
-- with its columns, defaults, primary key, unique index, grants and rows as they were). The renamed table gets its
-- transition names back; archived rows whose ContextProfile the app deleted since the completion go (the foreign key's
-- cascade would have removed them), then the foreign key comes back under Prisma's name (source.sql; adding it
-- validates the rows: one scan of the table, under Undo's lock).
ALTER TABLE {app}."Profile" RENAME CONSTRAINT "Profile_userId_fkey" TO "ProfileNew_userId_fkey";
ALTER INDEX {app}."Profile_userId_key" RENAME TO "ProfileNew_userId_key";
ALTER TABLE {app}."Profile" RENAME CONSTRAINT "Profile_pkey" TO "ProfileNew_pkey";
ALTER TABLE {app}."Profile" RENAME TO "ProfileNew";
ALTER TABLE {state}."ProfileOld" RENAME TO "Profile";
ALTER TABLE {state}."Profile" SET SCHEMA {app};
DELETE FROM {app}."Profile" a
WHERE NOT EXISTS (SELECT 1 FROM {app}."ContextProfile" cp WHERE cp.id = a."contextProfileId");
ALTER TABLE {app}."Profile" ADD CONSTRAINT "Profile_contextProfileId_fkey" FOREIGN KEY ("contextProfileId") REFERENCES {app}."ContextProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
