using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>
/// What a sink did with one batch, handed to the run's own thread to be reported (findings, errors, progress).
/// <see cref="Number"/> is 0 for a stretch of users migrated earlier (nothing to write). <see cref="Encoded"/>: the
/// findings and errors as the findings journal encoded them, when it did.
/// </summary>
internal sealed record BatchResult(
    long Number, int IdsRead, int Read, string LastUserId, int Migrated, int Failed, int Intents,
    IReadOnlyList<Finding> Findings, IReadOnlyList<RunError> Errors, TimeSpan Elapsed, EncodedFindings? Encoded = null);

/// <summary>A run's running totals, shared by its pipelines (each sink adds its batches).</summary>
internal sealed class RunCounters
{
    private readonly long[] intentsByType = new long[ContextTypes.All.Count];
    private long migrated, failed, intents, batches;

    /// <summary>The committed batches over time, for the report (each sink times its own with a lap).</summary>
    public BatchTimeline Timeline { get; } = new();

    /// <summary>ContextIntent rows per context type (index: <see cref="ContextType"/>).</summary>
    public long[] IntentsByType
    {
        get
        {
            var byType = new long[intentsByType.Length];
            for (var t = 0; t < byType.Length; t++)
            {
                byType[t] = Interlocked.Read(ref intentsByType[t]);
            }

            return byType;
        }
    }

    public long Migrated => Interlocked.Read(ref migrated);

    public long Failed => Interlocked.Read(ref failed);

    public long Intents => Interlocked.Read(ref intents);

    public long Batches => Interlocked.Read(ref batches);

    public long NextBatchNumber() => Interlocked.Increment(ref batches);

    /// <summary>Counts a batch's users written (and their ContextIntents, per type) and failed.</summary>
    public void Add(IReadOnlyList<PreparedUser> written, int usersFailed)
    {
        Span<long> byType = stackalloc long[intentsByType.Length];
        CountIntents(written, byType);
        for (var t = 0; t < byType.Length; t++)
        {
            Interlocked.Add(ref intentsByType[t], byType[t]);
            Interlocked.Add(ref intents, byType[t]);
        }

        Interlocked.Add(ref migrated, written.Count);
        Interlocked.Add(ref failed, usersFailed);
    }

    /// <summary>Adds the users' ContextIntents to <paramref name="byType"/> (index: <see cref="ContextType"/>).</summary>
    public static void CountIntents(IReadOnlyList<PreparedUser> users, Span<long> byType)
    {
        foreach (var user in users)
        {
            foreach (var type in user.Intents)
            {
                byType[(int)type]++;
            }
        }
    }
}
