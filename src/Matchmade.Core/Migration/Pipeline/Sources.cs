using Npgsql;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>The old rows of a range of users (ids up to <paramref name="upTo"/>, null: no bound), on one connection and, for a read-only pass, its snapshot; batches bounded by <paramref name="budget"/> too when given.</summary>
public sealed class OldRowsSource(BatchReader reader, NpgsqlConnection connection, NpgsqlTransaction? transaction, string? upTo, BatchBudget? budget = null) : IBatchSource<BatchReader.Batch>
{
    public BatchReader.Batch Read(string? after, int limit) => reader.Read(connection, transaction, after, upTo, limit, budget);
}

/// <summary>
/// The old rows of a range of users merged on the read-ahead task as they are read, each user as soon as its rows are
/// in, so only a user's blobs are held, never a batch's (issue 17): the sink gets rows ready to write while the next
/// batch is read and merged. The live run merges on one core per pipeline (its workers are the parallelism); the dry
/// run, which writes nothing, on every core (<see cref="BatchMerger.OnEveryCore"/>). A batch ends early when its blobs
/// and findings pass <paramref name="budget"/> (<see cref="BatchBudget"/>: one per source, as each pipeline has its own).
/// </summary>
public sealed class MergingSource(BatchReader reader, NpgsqlConnection connection, NpgsqlTransaction? transaction, string? upTo, BatchBudget budget, bool everyCore = false) : IBatchSource<MergedBatch>
{
    public MergedBatch Read(string? after, int limit)
    {
        if (!everyCore)
        {
            var (idsRead, lastUserId, users) = reader.Read(connection, transaction, after, upTo, limit, Merge, budget);
            return new MergedBatch(idsRead, lastUserId, users.Count, BatchMerger.Collect(users));
        }

        var merging = BatchMerger.OnEveryCore(budget);
        var (read, last, started) = reader.Read(connection, transaction, after, upTo, limit, merging, budget);
        return new MergedBatch(read, last, started.Count, BatchMerger.Collect(started));
    }

    private MergedUser Merge(BatchUser user) => BatchMerger.MergeOne(user, budget);
}
