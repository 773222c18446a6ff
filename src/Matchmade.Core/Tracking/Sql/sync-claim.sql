-- A sync pass claims the changes recorded up to @max_seq: each changed user with the sequence numbers and ctids of its
-- change records (only those are deleted when the user is re-synced, so a change committed meanwhile stays pending).
-- Profile writes are resolved to their user here, one primary-key probe of "ContextProfile" per such record (a scalar
-- subquery: the planner would hash a join's whole "ContextProfile", whose size is the app's, not the changes'); a NULL
-- user is a Profile write whose ContextProfile is gone (its deletion was recorded with the user).
SELECT coalesce(c.user_id, (SELECT cp."userId" FROM {app}."ContextProfile" cp WHERE cp.id = c.context_profile_id)) AS user_id,
       array_agg(c.seq ORDER BY c.seq), min(c.changed_at), array_agg(c.ctid::text ORDER BY c.seq)
FROM {state}.changed_user c
WHERE c.app_schema = @app_schema AND c.seq <= @max_seq
GROUP BY 1
ORDER BY 1 NULLS FIRST;
