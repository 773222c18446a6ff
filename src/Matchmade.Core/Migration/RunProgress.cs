using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Migration.Pipeline;

namespace Matchmade.Core.Migration;

/// <summary>
/// Progress and the per-batch verbose line, on the run's own thread. It counts the users of the batches reported so
/// far, in order, even when workers have written further.
/// </summary>
internal sealed class RunProgress(IOperationLog log, bool dryRun)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long reported;

    public string Activity => dryRun ? "Dry run of the profile migration" : "Migrating profiles";

    public void Batch(long cap, BatchResult batch)
    {
        reported += batch.Migrated + batch.Failed;
        var done = reported;
        var elapsed = clock.Elapsed;
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var percent = cap > 0 ? (int)(100 * done / cap) : 100;
        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds((cap - done) / rate) : null;
        var verb = dryRun ? "Checked" : "Migrated";
        log.Progress(new OperationProgress(Activity, string.Create(CultureInfo.InvariantCulture, $"{verb} {done:N0} of {cap:N0} users ({rate:N0} users/s)"), percent, eta));
        if (batch.Read == 0)
        {
            return; // a stretch of users migrated earlier: no batch to describe
        }

        log.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Batch {batch.Number}: {batch.Read:N0} users, {batch.Migrated:N0} {(dryRun ? "would be migrated" : "migrated")}, {batch.Failed:N0} failed, {batch.Intents:N0} ContextIntents{(dryRun ? string.Empty : $", {batch.Elapsed.TotalMilliseconds:N0} ms")}; {done:N0}/{cap:N0} done, {rate:N0} users/s."));
    }

    public void Completed(RunStatus status) => log.Progress(new OperationProgress(Activity, status.ToString(), 100, null, Completed: true));
}
