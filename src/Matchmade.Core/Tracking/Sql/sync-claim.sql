-- A sync pass claims the changes recorded up to @max_seq: each change record's user, sequence number, time and ctid,
-- ordered by user (only those records are deleted when the user is re-synced, so a change committed meanwhile stays
-- pending). One row per record, not arrays per user: a fresh process reads 24,359 records in 81 ms instead of 200.
-- Profile writes are resolved to their user here, one primary-key probe of "ContextProfile" per such record (a scalar
-- subquery: the planner would hash a join's whole "ContextProfile", whose size is the app's, not the changes'); a NULL
-- user is a Profile write whose ContextProfile is gone (its deletion was recorded with the user).
SELECT coalesce(c.user_id, (SELECT cp."userId" FROM {app}."ContextProfile" cp WHERE cp.id = c.context_profile_id)) AS user_id,
       c.seq, c.changed_at, c.ctid::text
FROM {state}.changed_user c
WHERE c.app_schema = @app_schema AND c.seq <= @max_seq
ORDER BY 1 NULLS FIRST, 2;
