using Matchmade.Core.Reporting;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>
/// The dry run's sink: merges each batch on every core while the next is read, counts it as the live run would write
/// it, and hands it on to be reported. It writes nothing; its source reads in a READ ONLY snapshot.
/// </summary>
internal sealed class DryRunSink(RunCounters counters, Action<BatchResult> handOver) : IBatchSink<BatchReader.Batch>
{
    private readonly BatchTimeline.Lap lap = counters.Timeline.StartLap();

    public void Accept(BatchReader.Batch batch)
    {
        var merged = BatchMerger.Merge(batch.Users, parallel: true);
        var intents = merged.Prepared.Sum(u => u.Intents.Count);
        counters.Add(merged.Prepared, merged.Errors.Count);
        if (batch.Users.Count > 0)
        {
            lap.Committed(merged.Prepared.Count + merged.Errors.Count);
        }
        else
        {
            lap.Restart(); // a stretch of users migrated earlier: no batch
        }

        var number = counters.NextBatchNumber();
        handOver(new BatchResult(number, batch.IdsRead, batch.Users.Count, batch.LastUserId, merged.Prepared.Count, merged.Errors.Count, intents, merged.Findings, merged.Errors, TimeSpan.Zero));
    }
}
