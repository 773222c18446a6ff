using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>A batch's users merged: the rows to write (with fresh ids), the findings, and the users the merge refused.</summary>
public sealed record MergedUsers(List<PreparedUser> Prepared, List<Finding> Findings, List<RunError> Errors);

/// <summary>A batch read and merged, its blobs already dropped (a batch waiting for the sink holds half the memory).</summary>
public sealed record MergedBatch(int IdsRead, string LastUserId, int UserCount, MergedUsers Merged) : IKeysetBatch;

/// <summary>One user merged: the rows to write (encoded) and the merge's findings, or the error that refused the user; the merge's strings are not kept.</summary>
public readonly record struct MergedUser(PreparedUser? User, IReadOnlyList<Finding>? Findings, RunError? Error);

/// <summary>Merges a batch's users with the one merge function, a user at a time or on every core as they are read.</summary>
public static class BatchMerger
{
    /// <summary>The merges <see cref="OnEveryCore"/> started, in the batch's order, once each has finished.</summary>
    public static MergedUsers Collect(IEnumerable<Task<MergedUser>> started) => Collect([.. started.Select(t => t.GetAwaiter().GetResult())]);

    /// <summary>The batch's merged users (in its order) as the rows to write, the findings and the errors.</summary>
    public static MergedUsers Collect(IReadOnlyList<MergedUser> merged)
    {
        var prepared = new List<PreparedUser>(merged.Count);
        var findings = new List<Finding>();
        var errors = new List<RunError>();
        foreach (var (user, userFindings, error) in merged)
        {
            if (error is not null)
            {
                errors.Add(error);
            }
            else
            {
                prepared.Add(user!);
                findings.AddRange(userFindings!);
            }
        }

        return new MergedUsers(prepared, findings, errors);
    }

    /// <summary>
    /// Starts each user's merge (<see cref="MergeOne(BatchUser, BatchBudget?)"/>, its findings counted against
    /// <paramref name="budget"/>) on the thread pool as it is handed over, while the caller reads on: at most a few
    /// users per core wait, so the reader is held back rather than a batch's blobs piling up.
    /// </summary>
    public static Func<BatchUser, Task<MergedUser>> OnEveryCore(BatchBudget? budget)
    {
        var waiting = new SemaphoreSlim(16 * Environment.ProcessorCount);
        return user =>
        {
            waiting.Wait();
            return Task.Run(() =>
            {
                try
                {
                    return MergeOne(user, budget);
                }
                finally
                {
                    waiting.Release();
                }
            });
        };
    }

    /// <summary>Merges one user and counts its findings against <paramref name="budget"/>: they are held until the batch is reported.</summary>
    public static MergedUser MergeOne(BatchUser user, BatchBudget? budget)
    {
        var merged = MergeOne(user);
        budget?.Spend((long)BatchBudget.FindingChars * (merged.Findings?.Count ?? 0));
        return merged;
    }

    /// <summary>Merges one user; a user the merge cannot handle becomes an error.</summary>
    public static MergedUser MergeOne(BatchUser user)
    {
        try
        {
            var result = ProfileMerger.Merge(user.Source);
            return new MergedUser(BatchWriter.Prepare(user.Source.UserId, result), result.Findings, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new MergedUser(null, null, new RunError(user.Source.UserId, ErrorIds.UserMergeFailed, Secrets.Scrub(e.Message)));
        }
    }
}
