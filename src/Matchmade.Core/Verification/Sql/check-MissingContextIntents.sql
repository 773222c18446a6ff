-- ContextProfiles of migrated users that have no ContextIntent (a lost context row).
SELECT count(*)::text, '0', (array_agg(cp."userId" ORDER BY cp."userId"))[1:5]
FROM {app}."ContextProfile" cp
WHERE EXISTS (SELECT 1 FROM {new_profile} p WHERE p."userId" = cp."userId")
  AND NOT EXISTS (SELECT 1 FROM {app}."ContextIntent" ci WHERE ci."userId" = cp."userId" AND ci."contextType" = cp."contextType");
