using System.Globalization;
using Matchmade.Fixtures;

/// <summary>The benchmark's -Shape and -LatencyMs: which data shapes and which links each run measures.</summary>
internal static class RunOptions
{
    /// <summary>"all", one shape's name or a comma list of names (DataShapes.Name), in the order given.</summary>
    public static List<DataShape> Shapes(string value) => value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)
        ? [.. DataShapes.All]
        : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => DataShapes.Parse(n)
            ?? throw new ArgumentException($"-Shape {n}: expected synthetic, conflict-heavy, large-blobs or all"))];

    /// <summary>One-way latencies in ms, e.g. "0,1,5"; 0 = no proxy (straight to the server).</summary>
    public static List<double> Latencies(string value) => [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v =>
        double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 ? ms : throw new ArgumentException($"-LatencyMs {v}: expected milliseconds >= 0"))];

    /// <summary>Each shape has its own database; synthetic keeps the name older runs used.</summary>
    public static string Database(DataShape shape) => shape == DataShape.Synthetic ? "bench" : "bench_" + DataShapes.Name(shape).Replace('-', '_');

    /// <summary>
    /// The seed-style baseline's sample: 20,000 users on loopback, 1,000 over a link with latency (its ~7 round trips
    /// per user take 75 s per 1,000 users at 5 ms; the time per user is what it measures).
    /// </summary>
    public static int SeedSample(int users, double latencyMs) => Math.Min(users, latencyMs > 0 ? 1_000 : 20_000);

    /// <summary>Where the round's connections go, for the table's title.</summary>
    public static string Link(double latencyMs, double roundTripMs) => latencyMs > 0
        ? string.Create(CultureInfo.InvariantCulture, $"one-way latency {latencyMs} ms through the proxy (SELECT 1 round trip: median {roundTripMs:N2} ms)")
        : string.Create(CultureInfo.InvariantCulture, $"loopback, no proxy (SELECT 1 round trip: median {roundTripMs:N2} ms)");
}
