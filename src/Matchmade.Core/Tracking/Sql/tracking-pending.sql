-- Pending changes of this app schema: distinct users (Profile writes resolved through their ContextProfile) and the
-- time of the oldest change not yet synced.
SELECT count(DISTINCT coalesce(c.user_id, cp."userId")), min(c.changed_at)
FROM {state}.changed_user c
LEFT JOIN {app}."ContextProfile" cp ON c.user_id IS NULL AND cp.id = c.context_profile_id
WHERE c.app_schema = @app_schema;
