using System.Collections.Concurrent;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>What one worker takes on (its users), named for its messages.</summary>
internal interface IWorkerShare
{
    string Name { get; }
}

/// <summary>A worker's share of the users: ids after <see cref="After"/> up to <see cref="UpTo"/> (null = no bound, either end).</summary>
internal sealed record UserRange(string Name, string? After, string? UpTo) : IWorkerShare;

/// <summary>
/// -ThrottleLimit: the users divided into disjoint shares (the live run's ranges of ids, a sync's slices of its claimed
/// users), one pipeline per share on its own connections and transactions, while the run's thread counts and reports
/// what they commit. The first failure halts the others after the batch each is writing.
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
            return [new UserRange("Worker 1", null, null)];
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
            ranges.Add(new UserRange($"Worker {i + 1}", i == 0 ? null : bounds[i - 1], i == bounds.Count - 1 ? null : bounds[i]));
        }

        log.Verbose($"{ranges.Count} workers over disjoint ranges of user ids, each with its own connections.");
        return ranges;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each share on a thread of its own and completes <paramref name="done"/> when
    /// all have ended. A worker's failure is queued and halts the others; <paramref name="operation"/> names the run in
    /// a failure no worker explained.
    /// </summary>
    public static void Start<TShare, T>(IReadOnlyList<TShare> shares, Action<TShare, CancellationToken> work, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt, DatabaseTarget target, BlockingCollection<T> done, string operation)
        where TShare : IWorkerShare
    {
        if (shares.Count == 0)
        {
            done.CompleteAdding();
            return;
        }

        var tasks = new Task[shares.Count];
        for (var w = 0; w < shares.Count; w++)
        {
            var share = shares[w];
            tasks[w] = Task.Factory.StartNew(() => RunOne(share, work, failures, halt, target, operation), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Task.WhenAll(tasks).ContinueWith(_ => done.CompleteAdding(), TaskScheduler.Default);
    }

    private static void RunOne<TShare>(TShare share, Action<TShare, CancellationToken> work, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt, DatabaseTarget target, string operation)
        where TShare : IWorkerShare
    {
        try
        {
            work(share, halt.Token);
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested)
        {
            // Stopped while connecting: nothing of this worker's was written.
        }
        catch (Exception e)
        {
            failures.Enqueue(e as MatchmadeException ?? DbErrors.During(e, $"{share.Name} of {operation}", target));
            halt.Cancel(); // the other workers finish the batch they are writing and stop
        }
    }

    /// <summary>
    /// Hands each batch the workers send to <paramref name="each"/> on this thread (the run's: the report and the counts
    /// are kept here), and writes what the workers logged, until every worker has ended.
    /// </summary>
    public static void Collect<T>(BlockingCollection<T> done, Action<T> each, LogRelay log)
    {
        while (!done.IsCompleted)
        {
            if (done.TryTake(out var item, 250))
            {
                each(item);
            }

            log.Drain();
        }

        log.Drain();
    }

    /// <summary>A worker's connection, opened and <see cref="Prepare"/>d.</summary>
    public static NpgsqlConnection Open(DatabaseTarget target, TimeSpan lockTimeout, CancellationToken halt)
    {
        var connection = target.Open(halt);
        try
        {
            Prepare(connection, lockTimeout);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A connection that reads or writes batches (a worker's, or the sync's own two): the run's lock_timeout, the batch
    /// sessions' settings (<see cref="Db.ForBatchWork"/>), kept while idle (<see cref="Db.KeepWhileIdle"/>: between
    /// batches, and between a -Continuous sync's passes).
    /// </summary>
    public static void Prepare(NpgsqlConnection connection, TimeSpan lockTimeout)
    {
        Db.SetLockTimeout(connection, null, lockTimeout);
        Db.ForBatchWork(connection, null);
        Db.KeepWhileIdle(connection);
    }
}
