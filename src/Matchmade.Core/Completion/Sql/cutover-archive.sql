-- The archive IS the old Profile table, moved into the module's schema under the cut-over's ACCESS EXCLUSIVE lock
-- instead of copied: catalog changes only, no row read or written, byte for byte by construction. It keeps its own
-- primary key and unique index under Prisma's names ("Profile_pkey", "Profile_contextProfileId_key": indexes live in
-- their table's schema, so they do not meet the renamed ProfileNew's), so Undo moves it back as it was. Its foreign key
-- goes: the app's ContextProfile deletes must neither cascade into the archive nor be blocked by it. The empty
-- stand-in is what cleanup-migration.sql, applied as shipped next, drops (with its foreign key): dropping the big old
-- table in this transaction would remove its files at the commit, before the locks are released. NOT VALID: the
-- stand-in is empty and dropped next, so no validating query is planned against ContextProfile.
ALTER TABLE {app}."Profile" SET SCHEMA {state};
ALTER TABLE {state}."Profile" RENAME TO "ProfileOld";
ALTER TABLE {state}."ProfileOld" DROP CONSTRAINT "Profile_contextProfileId_fkey";
CREATE TABLE {app}."Profile" (LIKE {state}."ProfileOld");
ALTER TABLE {app}."Profile" ADD CONSTRAINT "Profile_contextProfileId_fkey" FOREIGN KEY ("contextProfileId") REFERENCES {app}."ContextProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE NOT VALID;
