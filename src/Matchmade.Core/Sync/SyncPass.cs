using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Reporting;
using Npgsql;

namespace Matchmade.Core.Sync;

/// <summary>
/// One batch of a sync pass: changed users as claimed (with their change records), read and merged, and, with the
/// first batch, the records that name no user any more. <see cref="IdsRead"/> counts both, so a pass of only such
/// records still runs once.
/// </summary>
internal sealed record ChangedUsers(SyncRead Read, ChangeRecord[] AlsoRelease) : IKeysetBatch
{
    public int IdsRead => Read.Users.Count + AlsoRelease.Length;

    public string LastUserId => Read.Users.Count > 0 ? Read.Users[^1].UserId : string.Empty;

    public int UserCount => Read.Users.Count;
}

/// <summary>
/// The source of a sync pass: the users it claimed (or -Full found differing), a batch at a time, in their order,
/// read from the old tables and merged on the pipeline's read-ahead task (its own connection, as the live run's
/// source), so the next batch is read while the sink writes this one. The pipeline reads each batch after the one
/// before and one read at a time, so the source keeps its own place (the ids are not a key range: a claim can name
/// any users). Each batch is bounded by the size budget too, as the migration's (<see cref="BatchBudget"/>).
/// The first batches of a pass are smaller (a tenth of the batch size, then twice as many each time up to it): nothing
/// is written until the first batch is read and merged, and a pass is mostly a few batches, so a whole first batch
/// left the writer idle for a third of a 10,000-user sync. A changed user's rewrite costs about twice its read, so a
/// batch twice the one being written is read by the time that write ends.
/// </summary>
internal sealed class ChangedUsersSource(SyncBatch batch, NpgsqlConnection connection, List<ClaimedUser> users, ChangeRecord[] alsoRelease, BatchBudget budget) : IBatchSource<ChangedUsers>
{
    private int position;
    private bool orphansTaken;
    private int ramp; // the next batch's users at most; 0 before the first

    public ChangedUsers Read(string? after, int limit)
    {
        ramp = ramp == 0 ? Math.Max(1, limit / 10) : (int)Math.Min(2L * ramp, int.MaxValue);
        var count = Math.Min(budget.Begin(Math.Min(limit, ramp)), users.Count - position);
        var read = count > 0 ? batch.Read(connection, null, users.GetRange(position, count), budget) : new SyncRead([], [], new MergedUsers([], [], []));
        position += read.Users.Count; // fewer than asked when the batch's blobs passed the budget: the rest come next
        var release = orphansTaken ? [] : alsoRelease;
        orphansTaken = true;
        return new ChangedUsers(read, release);
    }
}

/// <summary>What a sync has done so far, over its passes (kept on the run's thread only).</summary>
internal sealed class SyncCounters
{
    public long Claimed { get; set; }
    public long Resynced { get; private set; }
    public long Created { get; private set; }
    public long Deleted { get; private set; }
    /// <summary>Users that could not be synced, each counted once over the run (its report names each once).</summary>
    public long Failed { get; private set; }

    public long Intents { get; private set; }
    public long Batches { get; private set; }

    /// <summary>ContextIntent rows written per context type (index: ContextType), for the report's contextsByType.</summary>
    public long[] IntentsByType { get; } = new long[ContextTypes.All.Count];

    /// <summary>The committed batches over time, for the report's batch throughput.</summary>
    public BatchTimeline Timeline { get; } = new();

    public long Synced => Resynced + Created + Deleted;

    public void Add(SyncBatchResult result)
    {
        Batches++;
        Resynced += result.Resynced;
        Created += result.Created;
        Deleted += result.Deleted;
        Failed += result.Errors.Count;
        Intents += result.Intents;
        for (var t = 0; t < IntentsByType.Length; t++)
        {
            IntentsByType[t] += result.IntentsByType[t];
        }
    }
}

/// <summary>A sync worker's share of a pass: a slice of the claimed users (in their order) and, the first, the records that name no user.</summary>
internal sealed record SyncShare(string Name, int Index, List<ClaimedUser> Users, ChangeRecord[] AlsoRelease) : IWorkerShare;

/// <summary>A sync batch as committed, with the claimed users it took (the pass's progress).</summary>
internal sealed record SyncBatchDone(SyncBatchResult Result, int Users);

/// <summary>
/// A sync worker's sink: each batch through <see cref="SyncBatch"/> (its own READ COMMITTED transaction, retried when
/// the failure is transient) on the worker's connection, then handed over to the run's thread, which counts, reports
/// and logs it. <paramref name="label"/> names its batches in retry messages ("Batch", or "Worker 2, batch").
/// </summary>
internal sealed class SyncSink(
    SyncBatch batch, NpgsqlConnection connection, RunHistory history, BatchTimeline timeline, int maxRetries, IOperationLog log,
    string label, Action<SyncBatchDone> handOver, CancellationToken stop) : IBatchSink<ChangedUsers>
{
    /// <summary>The batches this worker has committed.</summary>
    public int Committed { get; private set; }

    public void Accept(ChangedUsers changed)
    {
        var lap = timeline.StartLap();
        var result = Retry.Run($"{label} {Committed + 1}", () => batch.Run(connection, changed.Read, changed.AlsoRelease, history), maxRetries, log, stop);
        if (changed.UserCount > 0)
        {
            lap.Committed(changed.UserCount);
        }

        Committed++;
        handOver(new SyncBatchDone(result, changed.UserCount));
    }
}
