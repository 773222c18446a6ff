using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>
/// The dry run's sink: counts each batch (merged on every core as it was read) as the live run would write it, and
/// hands it on to be reported. It writes nothing; its source reads in a READ ONLY snapshot.
/// </summary>
internal sealed class DryRunSink(RunCounters counters, Action<BatchResult> handOver) : IBatchSink<MergedBatch>
{
    private readonly BatchTimeline.Lap lap = counters.Timeline.StartLap();

    public void Accept(MergedBatch batch)
    {
        var merged = batch.Merged;
        var intents = merged.Prepared.Sum(u => u.Intents.Count);
        counters.Add(merged.Prepared, merged.Errors.Count);
        if (batch.UserCount > 0)
        {
            lap.Committed(merged.Prepared.Count + merged.Errors.Count);
        }
        else
        {
            lap.Restart(); // a stretch of users migrated earlier: no batch
        }

        var number = counters.NextBatchNumber();
        handOver(new BatchResult(number, batch.IdsRead, batch.UserCount, batch.LastUserId, merged.Prepared.Count, merged.Errors.Count, intents, merged.Findings, merged.Errors, TimeSpan.Zero));
    }
}
