using Npgsql;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>The old rows of a range of users (ids up to <paramref name="upTo"/>, null: no bound), on one connection and, for a read-only pass, its snapshot.</summary>
public sealed class OldRowsSource(BatchReader reader, NpgsqlConnection connection, NpgsqlTransaction? transaction, string? upTo) : IBatchSource<BatchReader.Batch>
{
    public BatchReader.Batch Read(string after, int limit) => reader.Read(connection, transaction, after, upTo, limit);
}

/// <summary>
/// The old rows of a range of users merged on the read-ahead task as they are read, a user at a time as soon as its
/// rows are in (so only one user's blobs are held, not the batch's), one core per pipeline (the workers are the
/// parallelism): the sink gets rows ready to write while the next batch is read and merged.
/// </summary>
public sealed class MergingSource(BatchReader reader, NpgsqlConnection connection, string? upTo) : IBatchSource<MergedBatch>
{
    public MergedBatch Read(string after, int limit)
    {
        var (idsRead, lastUserId, users) = reader.Read(connection, null, after, upTo, limit, BatchMerger.MergeOne);
        return new MergedBatch(idsRead, lastUserId, users.Count, BatchMerger.Collect(users));
    }
}
