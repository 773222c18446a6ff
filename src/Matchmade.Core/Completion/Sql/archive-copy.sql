-- The archive of the old Profile table, in the module's schema, filled in the cut-over's transaction before it takes
-- any lock beyond a read: the slow part, while the app goes on. Same columns, types and defaults (LIKE), every row as
-- stored. The primary key and the contextProfileId index let the top-up under the lock find the changed rows without
-- scanning the archive.
CREATE TABLE {state}."ProfileOld" (LIKE {app}."Profile" INCLUDING DEFAULTS);
INSERT INTO {state}."ProfileOld" SELECT * FROM {app}."Profile";
ALTER TABLE {state}."ProfileOld" ADD CONSTRAINT "ProfileOld_pkey" PRIMARY KEY (id);
CREATE INDEX "ProfileOld_contextProfileId_idx" ON {state}."ProfileOld" ("contextProfileId");
ANALYZE {state}."ProfileOld";
