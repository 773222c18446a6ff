-- Which of the batch's users already have a ProfileNew (index probes on "ProfileNew_userId_key").
SELECT p."userId"
FROM {app}."ProfileNew" p
WHERE p."userId" = ANY(@user_ids);
