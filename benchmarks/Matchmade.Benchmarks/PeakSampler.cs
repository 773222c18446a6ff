using System.Diagnostics;
using System.Globalization;

/// <summary>
/// Samples this process's resident set every 20 ms and keeps the highest, with what it was made of at that moment
/// (<see cref="MemoryBreakdown"/>): what the benchmark's "peak RSS" column and its memory lines say.
/// </summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly Timer timer;
    private readonly object gate = new();
    private readonly long allocatedAtStart = GC.GetTotalAllocatedBytes(precise: false);
    private readonly int[] collectionsAtStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private MemoryBreakdown peak = MemoryBreakdown.Now();

    public PeakSampler()
    {
        timer = new Timer(_ => Sample(), null, 0, 20);
    }

    public long PeakBytes => Peak.Rss;

    /// <summary>The sample with the highest RSS so far (sampled once more now).</summary>
    public MemoryBreakdown Peak
    {
        get
        {
            Sample();
            lock (gate)
            {
                return peak;
            }
        }
    }

    /// <summary>The peak's breakdown, then what the phase allocated and collected: one line under the phase's table.</summary>
    public string Describe(string phase, long users)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedAtStart;
        var collections = string.Join("/", collectionsAtStart.Select((c, g) => (GC.CollectionCount(g) - c).ToString(CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{phase}: {Peak}; allocated {allocated / MemoryBreakdown.Mb:N0} MB ({allocated / 1024.0 / Math.Max(1, users):N1} KB/user), GCs gen0/1/2 {collections}");
    }

    public void Dispose() => timer.Dispose();

    private void Sample()
    {
        var now = MemoryBreakdown.Now();
        lock (gate)
        {
            if (now.Rss > peak.Rss)
            {
                peak = now;
            }
        }
    }
}

/// <summary>
/// What the resident set is made of at one moment: file-backed pages (the runtime's and PowerShell's mapped
/// assemblies) and anonymous memory (the GC's committed heap and everything native: Npgsql's buffers, the JIT, thread
/// stacks), from /proc/self/status on Linux; the GC's side from <see cref="GC.GetGCMemoryInfo()"/> (as of its last
/// collection) and <see cref="GC.GetTotalMemory"/> (now, including what gen0 allocated since).
/// </summary>
internal readonly record struct MemoryBreakdown(long Rss, long RssFile, long RssShmem, long RssAnon, long GcCommitted, long GcLive, long[] GenerationsAfter, long Fragmented)
{
    public const double Mb = 1024.0 * 1024;

    public static MemoryBreakdown Now()
    {
        var (rss, file, shmem, anon) = StatusFigures();
        if (rss < 0)
        {
            using var process = Process.GetCurrentProcess();
            rss = process.WorkingSet64;
        }

        var info = GC.GetGCMemoryInfo();
        var generations = new long[info.GenerationInfo.Length];
        for (var g = 0; g < generations.Length; g++)
        {
            generations[g] = info.GenerationInfo[g].SizeAfterBytes;
        }

        return new MemoryBreakdown(rss, file, shmem, anon, info.TotalCommittedBytes, GC.GetTotalMemory(forceFullCollection: false), generations, info.FragmentedBytes);
    }

    public override string ToString()
    {
        static string M(long bytes) => (bytes / Mb).ToString("N0", CultureInfo.InvariantCulture);
        var generations = GenerationsAfter.Length == 5
            ? $"gen0 {M(GenerationsAfter[0])}, gen1 {M(GenerationsAfter[1])}, gen2 {M(GenerationsAfter[2])}, LOH {M(GenerationsAfter[3])}, POH {M(GenerationsAfter[4])}"
            : string.Join(", ", GenerationsAfter.Select(M));
        var split = RssFile >= 0 ? $" = file-backed {M(RssFile)} + shared {M(RssShmem)} (the JIT's double-mapped code) + anonymous {M(RssAnon)}" : string.Empty;
        return $"RSS {M(Rss)} MB{split}; GC committed {M(GcCommitted)}, in use {M(GcLive)} (after its last GC: {generations}; fragmented {M(Fragmented)}); anonymous beyond that committed figure {M(RssAnon - GcCommitted)}: native memory, and gen0 grown since the last GC";
    }

    /// <summary>VmRSS and its parts in bytes, read at once; -1 where /proc/self/status is not there.</summary>
    private static (long Rss, long File, long Shmem, long Anon) StatusFigures()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return (-1, -1, -1, -1);
        }

        var figures = File.ReadAllLines(status).Select(l => l.Split(':')).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        long Kb(string name) => figures.TryGetValue(name, out var v) ? long.Parse(v.Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024 : -1;
        return (Kb("VmRSS"), Kb("RssFile"), Kb("RssShmem"), Kb("RssAnon"));
    }
}
