-- Without the module's state schema every row of the new tables was written by someone else.
SELECT (SELECT count(*) FROM {app}."ProfileNew"), (SELECT count(*) FROM {app}."ContextIntent"),
       ARRAY(SELECT "userId" FROM {app}."ProfileNew" ORDER BY 1 LIMIT 5);
