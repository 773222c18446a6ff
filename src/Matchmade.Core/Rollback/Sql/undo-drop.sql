-- The seed's rollback: the new tables go, the old ones stay untouched.
DROP TABLE {app}."ContextIntent";
DROP TABLE {app}."ProfileNew";
