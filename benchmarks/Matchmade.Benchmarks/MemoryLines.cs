/// <summary>
/// The benchmark's memory lines (issue 17): what the process holds before the first phase, and for each phase what
/// its peak RSS was made of (<see cref="PeakSampler.Describe"/>); with -MemoryOnly only the migration's runs are timed.
/// </summary>
internal static class MemoryLines
{
    /// <summary>The runs -MemoryOnly keeps: the dry run, the live runs and the Undo between them.</summary>
    public static bool IsMigrationRun(string phase) =>
        phase.StartsWith("dry run", StringComparison.Ordinal) || phase.StartsWith("live run", StringComparison.Ordinal) || phase == "Undo-ProfileMigration";

    /// <summary>What the process holds before the first phase: the runtime, the engine with the module imported, the loaded data given back.</summary>
    public static string Baseline()
    {
        Bench.GiveBackMemory();
        return $"before the first phase (runtime, PowerShell engine, module; the loaded data given back): {MemoryBreakdown.Now()}; {GcSettings()}";
    }

    /// <summary>The highest RSS this process had since it started (VmHWM): every phase, baseline and untimed step included.</summary>
    public static string ProcessPeak()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? string.Empty : $"Peak RSS of this whole process since it started (VmHWM; the sample data is loaded by a child process): {long.Parse(line.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024:N0} MB.";
    }

    public static void Print(List<string> memory) => Bench.PrintList("Memory at each phase's peak RSS:", memory);

    /// <summary>The GC this process runs with: what a DBA's pwsh runs with too (both have the runtime's defaults).</summary>
    private static string GcSettings() =>
        $"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, concurrent {AppContext.GetData("System.GC.Concurrent") ?? "default (on)"}, latency mode {System.Runtime.GCSettings.LatencyMode}, memory available to it {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / MemoryBreakdown.Mb:N0} MB, gen0 budget {Gen0Budget()}";

    /// <summary>
    /// The GC's current gen0 allocation budget (what may be allocated between two collections), from the runtime's
    /// internal test hook when it has one: on workstation GC its floor follows the CPU's largest cache.
    /// </summary>
    private static string Gen0Budget()
    {
        var hook = typeof(GC).GetMethod("GetGenerationBudget", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        return hook?.Invoke(null, [0]) is long bytes ? $"{bytes / MemoryBreakdown.Mb:N0} MB" : "not available";
    }
}
