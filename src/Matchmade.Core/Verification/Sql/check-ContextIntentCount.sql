-- Seed check 2: one ContextIntent per ContextProfile.
SELECT (SELECT count(*) FROM {app}."ContextIntent")::text, (SELECT count(*) FROM {app}."ContextProfile")::text, ARRAY[]::text[];
