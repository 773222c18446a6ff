using System.Collections.Concurrent;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>A worker's share of the users: ids after <see cref="After"/> up to <see cref="UpTo"/> (null = no bound).</summary>
internal sealed record UserRange(string Name, string After, string? UpTo);

/// <summary>
/// -ThrottleLimit: the users divided into disjoint ranges of ids, one pipeline per range on its own connections and
/// transactions. The first failure halts the others after the batch each is writing.
/// </summary>
internal static class Workers
{
    /// <summary>
    /// One range per worker, with about as many users each. A canary (-UserId, -MaxUsers) runs in one worker: it is
    /// small, and one worker keeps -MaxUsers exact.
    /// </summary>
    public static List<UserRange> Plan(NpgsqlConnection connection, DatabaseTarget target, MigrationOptions options, long cap, IOperationLog log)
    {
        var workers = options.ThrottleLimit;
        if (workers > 1 && (options.UserIds is not null || options.MaxUsers is not null))
        {
            log.Verbose("A canary (-UserId or -MaxUsers) runs in one worker; -ThrottleLimit is ignored.");
            workers = 1;
        }

        if (workers == 1 || cap == 0)
        {
            return [new UserRange("Worker 1", string.Empty, null)];
        }

        var bounds = new List<string>(workers);
        using (var command = new NpgsqlCommand(SqlText.For("user-ranges.sql", target.Schemas), connection))
        {
            command.Parameters.AddWithValue("workers", workers);
            Db.Strings(command, bounds);
        }

        var ranges = new List<UserRange>(bounds.Count);
        for (var i = 0; i < bounds.Count; i++)
        {
            ranges.Add(new UserRange($"Worker {i + 1}", i == 0 ? string.Empty : bounds[i - 1], i == bounds.Count - 1 ? null : bounds[i]));
        }

        log.Verbose($"{ranges.Count} workers over disjoint ranges of user ids, each with its own connections.");
        return ranges;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each range on a thread of its own and completes <paramref name="done"/> when
    /// all have ended. A worker's failure is queued and halts the others.
    /// </summary>
    public static void Start<T>(IReadOnlyList<UserRange> ranges, Action<UserRange, CancellationToken> work, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt, DatabaseTarget target, BlockingCollection<T> done)
    {
        if (ranges.Count == 0)
        {
            done.CompleteAdding();
            return;
        }

        var tasks = new Task[ranges.Count];
        for (var w = 0; w < ranges.Count; w++)
        {
            var range = ranges[w];
            tasks[w] = Task.Factory.StartNew(() => RunOne(range, work, failures, halt, target), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Task.WhenAll(tasks).ContinueWith(_ => done.CompleteAdding(), TaskScheduler.Default);
    }

    private static void RunOne(UserRange range, Action<UserRange, CancellationToken> work, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt, DatabaseTarget target)
    {
        try
        {
            work(range, halt.Token);
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested)
        {
            // Stopped while connecting: nothing of this worker's was written.
        }
        catch (Exception e)
        {
            failures.Enqueue(e as MatchmadeException ?? DbErrors.During(e, $"{range.Name} of the migration", target));
            halt.Cancel(); // the other workers finish the batch they are writing and stop
        }
    }
}
