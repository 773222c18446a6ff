-- Seed check 10: ChatMessages whose ContextProfile does not exist.
SELECT count(*)::text, '0', (array_agg(m.id ORDER BY m.id))[1:5]
FROM {app}."ChatMessage" m
WHERE NOT EXISTS (SELECT 1 FROM {app}."ContextProfile" cp WHERE cp.id = m."contextProfileId");
