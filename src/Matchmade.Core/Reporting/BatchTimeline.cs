using System.Diagnostics;

namespace Matchmade.Core.Reporting;

/// <summary>
/// A point of the report's batch timeline: <see cref="Batches"/> committed batches (1 unless the run had more than
/// <see cref="BatchTimeline.MaxPoints"/>), the last of them ending <see cref="End"/> seconds after the run started,
/// <see cref="Users"/> users between them, and <see cref="Seconds"/> the time they took in their workers.
/// </summary>
public sealed record ReportBatch(double End, double Seconds, long Users, long Batches)
{
    /// <summary>Users per second of the batch (per worker: workers run side by side); 0 when it took no measurable time.</summary>
    public double UsersPerSecond => Seconds > 0 ? Users / Seconds : 0;
}

/// <summary>
/// The committed batches of a run, shared by its workers. A batch's time is its worker's time since the worker's
/// previous batch (or its start): reading, merging, writing and waiting, as the batch cost the run. Batches are added
/// under one lock with the time they ended, so the list is in the order they ended whatever worker wrote them.
/// Bounded: when it reaches <see cref="MaxPoints"/>, adjacent points are merged in pairs and every later point takes as
/// many batches as the merged ones, so each point covers the same number of batches (the last one possibly fewer).
/// </summary>
public sealed class BatchTimeline
{
    /// <summary>The most points the report records (even: points merge in pairs).</summary>
    public const int MaxPoints = 1000;

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<ReportBatch> points = [];
    private ReportBatch? open;
    private long perPoint = 1;

    /// <summary>The points so far, in the order their batches ended.</summary>
    public IReadOnlyList<ReportBatch> Points()
    {
        lock (points)
        {
            return open is null ? [.. points] : [.. points, open];
        }
    }

    /// <summary>A worker's clock: what it commits is timed from its previous batch, or from now.</summary>
    public Lap StartLap() => new(this);

    /// <summary>Two adjacent points as one: the later end, the users and the time of both.</summary>
    public static ReportBatch Merge(ReportBatch first, ReportBatch second) =>
        new(Math.Max(first.End, second.End), first.Seconds + second.Seconds, first.Users + second.Users, first.Batches + second.Batches);

    internal void Add(long users, TimeSpan took)
    {
        lock (points)
        {
            var batch = new ReportBatch(clock.Elapsed.TotalSeconds, took.TotalSeconds, users, 1);
            open = open is null ? batch : Merge(open, batch);
            if (points.Count == MaxPoints)
            {
                // Full: merge in pairs, and the open point (its batches already counted) gathers as many.
                var half = points.Count / 2;
                for (var i = 0; i < half; i++)
                {
                    points[i] = Merge(points[2 * i], points[(2 * i) + 1]);
                }

                points.RemoveRange(half, points.Count - half);
                perPoint *= 2;
            }

            if (open.Batches >= perPoint)
            {
                points.Add(open);
                open = null;
            }
        }
    }

    /// <summary>One worker's clock (used by that worker's thread only).</summary>
    public sealed class Lap
    {
        private readonly BatchTimeline timeline;
        private long since = Stopwatch.GetTimestamp();

        internal Lap(BatchTimeline timeline)
        {
            this.timeline = timeline;
        }

        /// <summary>A batch of <paramref name="users"/> committed now.</summary>
        public void Committed(long users)
        {
            var now = Stopwatch.GetTimestamp();
            timeline.Add(users, Stopwatch.GetElapsedTime(since, now));
            since = now;
        }

        /// <summary>Time spent on something that is not a batch (a stretch of users migrated earlier) counts for none.</summary>
        public void Restart() => since = Stopwatch.GetTimestamp();
    }
}
