-- Seed check 1: one ProfileNew per User.
SELECT (SELECT count(*) FROM {new_profile})::text AS observed, (SELECT count(*) FROM {app}."User")::text AS expected, ARRAY[]::text[] AS samples;
