using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>A batch's users merged: the rows to write (with fresh ids), the findings, and the users the merge refused.</summary>
public sealed record MergedUsers(List<PreparedUser> Prepared, List<Finding> Findings, List<RunError> Errors);

/// <summary>A batch read and merged, its blobs already dropped (a batch waiting for the sink holds half the memory).</summary>
public sealed record MergedBatch(int IdsRead, string LastUserId, int UserCount, MergedUsers Merged) : IKeysetBatch;

/// <summary>Merges a batch's users with the one merge function, a user at a time or on every core.</summary>
public static class BatchMerger
{
    /// <summary>
    /// Merges every user of the batch; a user the merge cannot handle becomes an error, the rest go on. With
    /// <paramref name="parallel"/>, users are merged on every core; results stay in the batch's (user id) order.
    /// </summary>
    public static MergedUsers Merge(List<BatchUser> users, bool parallel)
    {
        var merged = new (PreparedUser? User, MergeResult? Result, RunError? Error)[users.Count];
        if (parallel && users.Count >= 64 && Environment.ProcessorCount > 1)
        {
            Parallel.For(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => merged[i] = MergeOne(users[i]));
        }
        else
        {
            for (var i = 0; i < users.Count; i++)
            {
                merged[i] = MergeOne(users[i]);
            }
        }

        var prepared = new List<PreparedUser>(users.Count);
        var findings = new List<Finding>();
        var errors = new List<RunError>();
        foreach (var (user, result, error) in merged)
        {
            if (error is not null)
            {
                errors.Add(error);
            }
            else
            {
                prepared.Add(user!);
                findings.AddRange(result!.Findings);
            }
        }

        return new MergedUsers(prepared, findings, errors);
    }

    private static (PreparedUser?, MergeResult?, RunError?) MergeOne(BatchUser user)
    {
        try
        {
            var result = ProfileMerger.Merge(user.Source);
            var intents = new (string, MergedIntent)[result.Intents.Count];
            for (var k = 0; k < intents.Length; k++)
            {
                intents[k] = (Cuid.Next(), result.Intents[k]);
            }

            return (new PreparedUser(user.Source.UserId, Cuid.Next(), result.Profile, intents), result, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, null, new RunError(user.Source.UserId, ErrorIds.UserMergeFailed, Secrets.Scrub(e.Message)));
        }
    }
}
