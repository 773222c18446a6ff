-- Pending changes of this app schema: distinct users (Profile writes resolved through their ContextProfile, one
-- primary-key probe per record, as in sync-claim.sql) and the time of the oldest change not yet synced.
SELECT count(DISTINCT coalesce(c.user_id, (SELECT cp."userId" FROM {app}."ContextProfile" cp WHERE cp.id = c.context_profile_id))), min(c.changed_at)
FROM {state}.changed_user c
WHERE c.app_schema = @app_schema;
