using System.Runtime;

namespace Matchmade.Core.Migration;

/// <summary>
/// The garbage-collector settings the module relies on (issue 17), stated here because the module does not choose
/// them: it runs inside the user's pwsh, whose GC is fixed when pwsh starts, and it changes none of it (no heap hard
/// limit, no latency mode, no induced collection: each would be the whole shell's for the rest of its life, not the
/// run's). It relies on pwsh's default, workstation GC with background collections (pwsh.runtimeconfig.json sets
/// neither System.GC.Server nor System.GC.Concurrent), and keeps its own share flat instead: per worker, the batch
/// being written and the next one as merged rows (encoded as binary COPY rows, UTF-8: <see cref="CopyRows"/>; a
/// user's blobs are held only while that user is merged), whatever the number of users or findings (findings stream to
/// the report file) or the size of the blobs and the findings per user (a batch ends once they pass
/// <see cref="MigrationOptions.DefaultBatchBytes"/>: <see cref="BatchBudget"/>). Above that live data the resident set holds
/// the GC's slack: the gen0 budget (what is allocated between two collections; workstation GC sizes it from the CPU's
/// largest cache, 80 MB on the benchmark's machine whose virtual CPU reports a 300 MB L3, a few MB where the L3 is a
/// few MB) and merged batches promoted before they were written, until a background collection frees them.
/// docs/performance.md ("Memory") has the measured breakdown. Server GC (DOTNET_gcServer=1) keeps a heap and a
/// budget per core: several times the memory for nothing here (a run's parallelism is its workers).
/// </summary>
public static class RuntimeMemory
{
    /// <summary>This process's GC in one sentence for the run's verbose stream: whether it is the one the module expects.</summary>
    public static string Describe()
    {
        var server = GCSettings.IsServerGC;
        var background = GCSettings.LatencyMode != GCLatencyMode.Batch; // Batch is the default only without background GC
        var kind = $"{(server ? "server" : "workstation")} GC, background collections {(background ? "on" : "off")}, latency mode {GCSettings.LatencyMode}";
        return !server && background
            ? $"Garbage collector: {kind} (pwsh's default, what the module's memory figures assume)."
            : $"Garbage collector: {kind}; the module's memory figures assume pwsh's default (workstation GC, background collections on): expect more memory (server GC keeps a heap per core).";
    }
}
