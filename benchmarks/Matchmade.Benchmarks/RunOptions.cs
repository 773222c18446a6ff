using System.Globalization;
using Matchmade.Fixtures;

/// <summary>The benchmark's -Shape and -LatencyMs: which data shapes and which links each run measures.</summary>
internal static class RunOptions
{
    /// <summary>"all", one shape's name or a comma list of names (DataShapes.Name), in the order given; null (said why) if a name is none.</summary>
    public static List<DataShape>? Shapes(string value)
    {
        if (value.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return [.. DataShapes.All];
        }

        var shapes = value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(DataShapes.Parse).ToList();
        return shapes.Count > 0 && shapes.All(s => s is not null) ? [.. shapes.Select(s => s!.Value)] : Invalid<DataShape>($"-Shape {value}: expected synthetic, conflict-heavy, large-blobs, all or a comma list of them");
    }

    /// <summary>One-way latencies in ms, e.g. "0,1,5"; 0 = no proxy (straight to the server). Null (said why) if one is not a number >= 0.</summary>
    public static List<double>? Latencies(string value)
    {
        var ms = value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 ? x : -1).ToList();
        return ms.Count > 0 && ms.All(x => x >= 0) ? ms : Invalid<double>($"-LatencyMs {value}: expected milliseconds >= 0, e.g. 0,1,5");
    }

    private static List<T>? Invalid<T>(string message)
    {
        Console.Error.WriteLine(message);
        return null;
    }

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
