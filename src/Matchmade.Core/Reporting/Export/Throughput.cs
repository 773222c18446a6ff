namespace Matchmade.Core.Reporting.Export;

/// <summary>
/// The report's batch timeline condensed for people: the batches and users it covers, the slowest, median and fastest
/// users/s of its points, and the timeline cut into a few consecutive segments (the Markdown page's table).
/// </summary>
internal sealed record Throughput(IReadOnlyList<ReportBatch> Points, long Batches, long Users, double Slowest, double Median, double Fastest)
{
    /// <summary>Null when the report does not record the timeline (an older report).</summary>
    public static Throughput? Of(IReadOnlyList<ReportBatch>? points)
    {
        if (points is null)
        {
            return null;
        }

        var rates = points.Where(p => p.Seconds > 0).Select(p => p.UsersPerSecond).Order().ToArray();
        return new Throughput(
            points, points.Sum(p => p.Batches), points.Sum(p => p.Users),
            rates.Length == 0 ? 0 : rates[0], rates.Length == 0 ? 0 : rates[rates.Length / 2], rates.Length == 0 ? 0 : rates[^1]);
    }

    /// <summary>The points merged into at most <paramref name="count"/> consecutive segments of (nearly) equal size, in order.</summary>
    public IReadOnlyList<(double Start, ReportBatch Segment)> Segments(int count)
    {
        var segments = new List<(double, ReportBatch)>();
        var size = Math.Max(1, (Points.Count + count - 1) / count);
        for (var i = 0; i < Points.Count; i += size)
        {
            var segment = Points.Skip(i).Take(size).Aggregate(BatchTimeline.Merge);
            segments.Add((i == 0 ? 0 : Points[i - 1].End, segment));
        }

        return segments;
    }
}
