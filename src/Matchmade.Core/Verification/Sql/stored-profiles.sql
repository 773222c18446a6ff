-- The stored ProfileNew rows of a batch of users, for the reconciliation.
SELECT "userId", "coreValues"::text, constraints::text, beliefs::text, "interactionStyle"::text, lifestyle::text,
       location, "ageRange", name, completeness, missing
FROM {app}."ProfileNew" WHERE "userId" = ANY(@user_ids);
