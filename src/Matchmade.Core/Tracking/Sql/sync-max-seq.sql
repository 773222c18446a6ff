SELECT coalesce(max(seq), 0) FROM {state}.changed_user;
