using Npgsql;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>The old rows of a range of users (ids up to <paramref name="upTo"/>, null: no bound), on one connection and, for a read-only pass, its snapshot.</summary>
public sealed class OldRowsSource(BatchReader reader, NpgsqlConnection connection, NpgsqlTransaction? transaction, string? upTo) : IBatchSource<BatchReader.Batch>
{
    public BatchReader.Batch Read(string after, int limit) => reader.Read(connection, transaction, after, upTo, limit);
}

/// <summary>
/// Merges each batch on the read-ahead task as soon as it is read, one core per pipeline (the workers are the
/// parallelism): the sink gets rows ready to write while the next batch is read and merged.
/// </summary>
public sealed class MergingSource(IBatchSource<BatchReader.Batch> source) : IBatchSource<MergedBatch>
{
    public MergedBatch Read(string after, int limit)
    {
        var read = source.Read(after, limit);
        return new MergedBatch(read.IdsRead, read.LastUserId, read.Users.Count, BatchMerger.Merge(read.Users, parallel: false));
    }
}
