using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>
/// What a sink did with one batch, handed to the run's own thread to be reported (findings, errors, progress).
/// <see cref="Number"/> is 0 for a stretch of users migrated earlier (nothing to write).
/// </summary>
internal sealed record BatchResult(
    long Number, int IdsRead, int Read, string LastUserId, int Migrated, int Failed, int Intents,
    IReadOnlyList<Finding> Findings, IReadOnlyList<RunError> Errors, TimeSpan Elapsed);

/// <summary>A run's running totals, shared by its pipelines (each sink adds its batches).</summary>
internal sealed class RunCounters
{
    private long migrated, failed, intents, batches;

    public long Migrated => Interlocked.Read(ref migrated);

    public long Failed => Interlocked.Read(ref failed);

    public long Intents => Interlocked.Read(ref intents);

    public long Batches => Interlocked.Read(ref batches);

    public long NextBatchNumber() => Interlocked.Increment(ref batches);

    public void Add(int usersMigrated, int usersFailed, int intentsWritten)
    {
        Interlocked.Add(ref migrated, usersMigrated);
        Interlocked.Add(ref failed, usersFailed);
        Interlocked.Add(ref intents, intentsWritten);
    }
}
