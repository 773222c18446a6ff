-- Every ContextProfile of the batch's users with its Profile blob (NULL data = no Profile row; the column itself is
-- NOT NULL). "userId" = ANY(...) is an index scan on "ContextProfile_userId_contextType_key". {old_profile} is the
-- old Profile table, or after the completion its archive (ProfileTables). Ordered by user: BatchReader hands each
-- user on as soon as its rows are read (the index scan already returns them in that order).
SELECT cp."userId", cp.id, cp."contextType"::text, cp."createdAt", p.data::text
FROM {app}."ContextProfile" cp
LEFT JOIN {old_profile} p ON p."contextProfileId" = cp.id
WHERE cp."userId" = ANY(@user_ids)
ORDER BY cp."userId";
