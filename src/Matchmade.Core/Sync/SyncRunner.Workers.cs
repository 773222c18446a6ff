using System.Collections.Concurrent;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Reporting;
using Npgsql;

namespace Matchmade.Core.Sync;

/// <summary>A pass's claimed users through the batch pipeline, in -ThrottleLimit workers; this thread counts and reports.</summary>
public sealed partial class SyncRunner
{
    /// <summary>
    /// The claimed users through the batch pipeline, in workers over disjoint slices of them (<see cref="Shares"/>), the
    /// first on the run's connections, the others on their own; the lag gate before each batch. This thread counts,
    /// reports and logs the batches as the workers commit them; the first failure halts the other workers after the
    /// batch each is writing, and is thrown once all have ended. Returns how many of the users could not be synced (they
    /// stay pending): what the pass did not get done.
    /// </summary>
    private long Process(NpgsqlConnection connection, RunHistory history, ReportWriter report, List<ClaimedUser> users, ChangeRecord[] alsoRelease, CancellationToken stop)
    {
        counters.Claimed += users.Count;
        var shares = Shares(users, alsoRelease, options.ThrottleLimit, options.BatchSize);
        while (batches.Count < shares.Count)
        {
            batches.Add(new SyncBatch(target.Schemas, runId, reported, lockUsers));
        }

        if (shares.Count > 1)
        {
            log.Verbose(string.Create(CultureInfo.InvariantCulture, $"{shares.Count} workers over slices of the {users.Count:N0} changed users, each with its own connections."));
        }

        var failures = new ConcurrentQueue<MatchmadeException>();
        using var halt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var done = new BlockingCollection<SyncBatchDone>();
        Workers.Start(shares, (share, token) => Work(share, connection, history, shares.Count, done, token), failures, halt, target, done, "the sync");
        var synced = 0;
        var failed = 0L;
        Workers.Collect(done, batch =>
        {
            Tally(batch.Result, batch.Users, report, failures, halt);
            synced += batch.Users;
            failed += batch.Result.Failed;
            log.Progress(new OperationProgress(Activity, string.Create(CultureInfo.InvariantCulture,
                $"Pass {passes + 1}: {synced:N0} of {users.Count:N0} changed users synced"), users.Count == 0 ? 100 : (int)(100L * synced / users.Count), null));
        }, log);

        if (failures.TryPeek(out var failure))
        {
            throw failure;
        }

        return failed;
    }

    /// <summary>A committed batch into the counts, the report and the log (the run's thread only).</summary>
    private void Tally(SyncBatchResult result, int users, ReportWriter report, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt)
    {
        try
        {
            counters.Add(result);
            foreach (var error in result.Errors)
            {
                if (error.UserId is { } user)
                {
                    reported[user] = true; // committed: the next passes try the user again but do not report it again
                }
            }

            report.AddBatch(result.Findings, result.Errors, result.Encoded); // encoded once, for the journal and the report
        }
        catch (Exception e)
        {
            // The report could not be written: the workers stop after the batches in flight (the run's connection is the
            // first worker's until then, so this thread must not end the run before they have).
            failures.Enqueue(DbErrors.During(e, "Writing the sync's report", target));
            halt.Cancel();
        }
        finally
        {
            result.Encoded?.Release();
        }

        log.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Sync batch {counters.Batches}: {users:N0} users, {result.Resynced:N0} re-synced, {result.Created:N0} created, {result.Deleted:N0} deleted, {result.Failed:N0} failed."));
    }

    /// <summary>
    /// -ThrottleLimit: the claimed users (in their order) in contiguous slices of about as many users each, one per
    /// worker, and not more workers than there are tenths of a batch (a pass's first batch: <see cref="ChangedUsersSource"/>):
    /// a worker with fewer users would write them in one small batch. The first slice also releases the records that
    /// name no user.
    /// </summary>
    internal static List<SyncShare> Shares(List<ClaimedUser> users, ChangeRecord[] alsoRelease, int throttleLimit, int batchSize)
    {
        var workers = Math.Clamp(users.Count / Math.Max(1, batchSize / 10), 1, throttleLimit);
        var shares = new List<SyncShare>(workers);
        for (var w = 0; w < workers; w++)
        {
            var from = (int)((long)users.Count * w / workers);
            var to = (int)((long)users.Count * (w + 1) / workers);
            shares.Add(new SyncShare($"Worker {w + 1}", w, users.GetRange(from, to - from), w == 0 ? alsoRelease : []));
        }

        return shares;
    }

    /// <summary>One worker: its slice through the pipeline, reading and merging on one connection while it writes on another.</summary>
    private void Work(SyncShare share, NpgsqlConnection runConnection, RunHistory history, int workers, BlockingCollection<SyncBatchDone> done, CancellationToken halt)
    {
        using var own = share.Index == 0 ? null : Workers.Open(target, options.LockTimeout, halt);
        using var ownReads = share.Index == 0 ? null : Workers.Open(target, options.LockTimeout, halt);
        var batch = batches[share.Index];
        var label = workers == 1 ? "Batch" : $"{share.Name}, batch";
        var sink = new SyncSink(batch, own ?? runConnection, history, counters.Timeline, options.MaxRetries, log, label, each => done.Add(each, CancellationToken.None), halt);
        try
        {
            new BatchPipeline<ChangedUsers>(new ChangedUsersSource(batch, ownReads ?? readConnection!, share.Users, share.AlsoRelease, new BatchBudget(options.BatchBytes)), sink)
            {
                BatchSize = options.BatchSize,
                BeforeBatch = lagGate is null ? null : lagGate.WaitBeforeBatch, // a standby too far behind holds the next write back (Ctrl+C ends the wait)
            }.Run(halt);
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, $"{label} {sink.Committed + 1} of the sync", target);
        }
    }
}
