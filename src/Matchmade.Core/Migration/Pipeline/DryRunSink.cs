namespace Matchmade.Core.Migration.Pipeline;

/// <summary>
/// The dry run's sink: merges each batch on every core while the next is read, counts it as the live run would write
/// it, and hands it on to be reported. It writes nothing; its source reads in a READ ONLY snapshot.
/// </summary>
internal sealed class DryRunSink(RunCounters counters, Action<BatchResult> handOver) : IBatchSink<BatchReader.Batch>
{
    public void Accept(BatchReader.Batch batch)
    {
        var merged = BatchMerger.Merge(batch.Users, parallel: true);
        var intents = merged.Prepared.Sum(u => u.Intents.Count);
        counters.Add(merged.Prepared.Count, merged.Errors.Count, intents);
        var number = counters.NextBatchNumber();
        handOver(new BatchResult(number, batch.IdsRead, batch.Users.Count, batch.LastUserId, merged.Prepared.Count, merged.Errors.Count, intents, merged.Findings, merged.Errors, TimeSpan.Zero));
    }
}
