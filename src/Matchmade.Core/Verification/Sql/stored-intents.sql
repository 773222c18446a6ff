-- The stored ContextIntent rows of a batch of users, for the reconciliation. {intent_columns} are the 20 context
-- columns of the field catalog, in its order (complementarySkills as JSON text).
SELECT "userId", "contextType"::text, completeness, missing, {intent_columns}
FROM {app}."ContextIntent" WHERE "userId" = ANY(@user_ids);
