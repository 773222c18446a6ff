-- Which of the batch's users already have a ProfileNew (index probes on "ProfileNew_userId_key").
SELECT p."userId"
FROM {new_profile} p
WHERE p."userId" = ANY(@user_ids);
