-- Users left to migrate before the cut-over: no ProfileNew and no pending change (users the app created since the
-- migration have one: the final sync creates their rows under the write lock).
SELECT count(*)
FROM {app}."User" u
WHERE NOT EXISTS (SELECT 1 FROM {app}."ProfileNew" p WHERE p."userId" = u.id)
  AND NOT EXISTS (SELECT 1 FROM {state}.changed_user c WHERE c.app_schema = @app_schema AND c.user_id = u.id);
