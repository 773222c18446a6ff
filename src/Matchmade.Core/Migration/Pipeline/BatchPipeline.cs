namespace Matchmade.Core.Migration.Pipeline;

/// <summary>What every batch says about the walk over the users' keys.</summary>
public interface IKeysetBatch
{
    /// <summary>User ids the read walked past; 0 is the end of the range.</summary>
    int IdsRead { get; }

    /// <summary>The last of them: the next read starts after it.</summary>
    string LastUserId { get; }

    /// <summary>Users of the batch to process (those walked past, less the ones skipped as already migrated).</summary>
    int UserCount { get; }
}

/// <summary>
/// Reads the batch of users after a key (the old rows, and whatever a pass needs beside them). Runs on the pipeline's
/// read-ahead task, one read at a time, never at the same time as another read of the same source.
/// </summary>
public interface IBatchSource<out TBatch>
    where TBatch : IKeysetBatch
{
    TBatch Read(string? after, int limit);
}

/// <summary>
/// What a pass does with each batch (the live write, the dry run's count, the reconciliation's compare). Runs on the
/// pipeline's own thread, in key order, while the next batch is read.
/// </summary>
public interface IBatchSink<in TBatch>
    where TBatch : IKeysetBatch
{
    void Accept(TBatch batch);
}

/// <summary>
/// One pass over the users in key order (keyset over "User".id): batch n+1 is read (and, with a merging source,
/// merged) on a task of its own while the sink handles batch n, so the database and the client overlap instead of
/// taking turns. It stops at the end of the range, when <see cref="Remaining"/> users are done, or when asked to (after
/// the batch the sink holds); a batch read ahead and not handed on is dropped. Several pipelines over disjoint ranges
/// are the workers of a run.
/// </summary>
public sealed class BatchPipeline<TBatch>(IBatchSource<TBatch> source, IBatchSink<TBatch> sink)
    where TBatch : IKeysetBatch
{
    /// <summary>Users per batch (the read's limit).</summary>
    public int BatchSize { get; init; } = MigrationOptions.DefaultBatchSize;

    /// <summary>
    /// The range starts after this user id (null: at the first user; not the empty string, which is an id PostgreSQL
    /// allows and which "after ''" would skip).
    /// </summary>
    public string? After { get; init; }

    /// <summary>
    /// Users the run still wants, over every pipeline of the run (a cap less the users the sinks took); null: all of
    /// them. A read never asks for more than what is left once the batch in the sink is counted.
    /// </summary>
    public Func<long>? Remaining { get; init; }

    /// <summary>
    /// Called before each batch that has users is handed to the sink, on the pipeline's thread: a gate that may wait
    /// (for replicas to catch up, say; a stretch of users skipped as already migrated writes nothing). Cancelling the
    /// token passed to <see cref="Run"/> while it waits stops the pipeline without handing the batch on.
    /// </summary>
    public Action<CancellationToken>? BeforeBatch { get; init; }

    /// <summary>Runs to the end of the range, the cap, or <paramref name="stop"/>; a failure of the source or the sink is thrown.</summary>
    public void Run(CancellationToken stop)
    {
        Task<TBatch>? next = null;
        try
        {
            next = ReadAhead(After, inSink: 0);
            while (next is not null && !stop.IsCancellationRequested)
            {
                var batch = next.GetAwaiter().GetResult();
                next = null;
                if (batch.IdsRead == 0)
                {
                    break;
                }

                next = ReadAhead(batch.LastUserId, batch.UserCount);
                if (BeforeBatch is not null && batch.UserCount > 0)
                {
                    BeforeBatch(stop);
                    if (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }

                sink.Accept(batch);
            }
        }
        finally
        {
            Drain(next);
        }
    }

    private Task<TBatch>? ReadAhead(string? after, int inSink)
    {
        var limit = Remaining is null ? BatchSize : (int)Math.Min(BatchSize, Remaining() - inSink);
        // A thread of its own, not the pool's: a read blocks on the server, on the merges it hands to the pool (their
        // number bounded) and on their results, and the pool starts with a thread per core. Two workers' reads held
        // every pool thread of a two-core machine, so their merges waited for the pool to add threads (a fresh
        // process's first two-worker sync of 10,000 users: 2.4-2.9 s against 1.6 s with one worker).
        return limit > 0 ? Task.Factory.StartNew(() => source.Read(after, limit), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default) : null;
    }

    /// <summary>
    /// A batch read ahead and not handed on (stopped, or the sink failed) still uses the source's connection: wait for
    /// it before the caller closes that connection. Its own failure no longer matters: the pass already ends, for the
    /// reason being thrown or because it was asked to stop.
    /// </summary>
    private static void Drain(Task? next)
    {
        if (next is null)
        {
            return;
        }

        try
        {
            next.Wait(CancellationToken.None);
        }
        catch (AggregateException)
        {
            // See above: the read's result and its failure are both dropped on purpose.
        }
    }
}
