-- Undo of a completion: cleanup-migration.sql backwards. The renamed table gets its transition names back, and the
-- old Profile table comes back from the archive with its columns and defaults as they were (LIKE), its primary key,
-- unique index and foreign key under Prisma's names (source.sql), and every archived row whose ContextProfile still
-- exists (the foreign key's cascade would have removed the others).
ALTER TABLE {app}."Profile" RENAME CONSTRAINT "Profile_userId_fkey" TO "ProfileNew_userId_fkey";
ALTER INDEX {app}."Profile_userId_key" RENAME TO "ProfileNew_userId_key";
ALTER TABLE {app}."Profile" RENAME CONSTRAINT "Profile_pkey" TO "ProfileNew_pkey";
ALTER TABLE {app}."Profile" RENAME TO "ProfileNew";
CREATE TABLE {app}."Profile" (LIKE {state}."ProfileOld" INCLUDING DEFAULTS, CONSTRAINT "Profile_pkey" PRIMARY KEY ("id"));
INSERT INTO {app}."Profile"
SELECT a.* FROM {state}."ProfileOld" a
WHERE EXISTS (SELECT 1 FROM {app}."ContextProfile" cp WHERE cp.id = a."contextProfileId")
ORDER BY a.id;
CREATE UNIQUE INDEX "Profile_contextProfileId_key" ON {app}."Profile"("contextProfileId");
ALTER TABLE {app}."Profile" ADD CONSTRAINT "Profile_contextProfileId_fkey" FOREIGN KEY ("contextProfileId") REFERENCES {app}."ContextProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
