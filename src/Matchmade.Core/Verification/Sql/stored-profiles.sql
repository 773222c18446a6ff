-- The stored ProfileNew rows (after the completion: the renamed Profile) of a batch of users, for the reconciliation.
SELECT "userId", "coreValues"::text, constraints::text, beliefs::text, "interactionStyle"::text, lifestyle::text,
       location, "ageRange", name, completeness, missing
FROM {new_profile} WHERE "userId" = ANY(@user_ids);
