using System.Diagnostics;

/// <summary>Samples this process's resident set every 20 ms and keeps the highest.</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly Timer timer;
    private long peak;

    public PeakSampler()
    {
        Sample();
        timer = new Timer(_ => Sample(), null, 0, 20);
    }

    public long PeakBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peak);
        }
    }

    public void Dispose() => timer.Dispose();

    private void Sample()
    {
        using var process = Process.GetCurrentProcess();
        var rss = process.WorkingSet64;
        long seen;
        while (rss > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, rss, seen) != seen)
        {
        }
    }
}
