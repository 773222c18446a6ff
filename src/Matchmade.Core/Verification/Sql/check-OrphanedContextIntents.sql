-- Seed check 5: ContextIntent rows with no ContextProfile of the same user and context (or no user at all).
SELECT count(*)::text, '0', (array_agg(ci."userId" ORDER BY ci."userId"))[1:5]
FROM {app}."ContextIntent" ci
WHERE NOT EXISTS (SELECT 1 FROM {app}."ContextProfile" cp WHERE cp."userId" = ci."userId" AND cp."contextType" = ci."contextType");
