-- Where the cleanup stands: are the new tables there under their transition names, has "Profile" become the renamed
-- ProfileNew (it has a "userId" column, the old table has "contextProfileId"), is the archive there, and how many
-- rows it holds.
SELECT to_regclass(format('%I.%I', @app, 'ProfileNew')) IS NOT NULL,
       EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
               WHERE attrelid = to_regclass(format('%I.%I', @app, 'Profile')) AND attname = 'userId' AND attnum > 0 AND NOT attisdropped),
       to_regclass(format('%I.%I', @state, 'ProfileOld')) IS NOT NULL,
       EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = @state AND c.relname = 'run');
