using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>The report's contexts per type and batch timeline: what the runs record equals what they wrote, and the timeline stays bounded.</summary>
public sealed class RunFiguresTests : IDisposable
{
    private const string ContextsInDatabase = "SELECT string_agg(t || ':' || n, ',' ORDER BY t) FROM (SELECT \"contextType\"::text t, count(*) n FROM \"ContextIntent\" GROUP BY 1) x";
    private readonly string reports = Directory.CreateTempSubdirectory("mm-figures-").FullName;
    private DatabaseFixture? database;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        database?.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    private DatabaseFixture Db => database ??= DatabaseFixture.CreateFresh("figures");

    [Fact]
    public void Dry_and_live_runs_record_the_contexts_they_write_per_type_and_every_batch()
    {
        var cs = Db.ConnectionString;
        using (var c = Db.Open())
        {
            SampleData.LoadQaUsers(c);
            SampleData.LoadSynthetic(c, 300, seed: 18);
        }

        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        var dry = new MigrationRunner(target, new MigrationOptions { DryRun = true, BatchSize = 40, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
        var live = new MigrationRunner(target, new MigrationOptions { BatchSize = 40, ThrottleLimit = 2, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
        Assert.Equal((RunStatus.Completed, RunStatus.Completed), (dry.Status, live.Status));
        using var check = Db.Open();
        var written = Scalar<string>(check, ContextsInDatabase);
        foreach (var outcome in new[] { dry, live })
        {
            var counts = ReportReader.ReadHeader(outcome.ReportPath!).ToCounts();
            Assert.Equal(written, string.Join(',', counts.ContextsByType!.Where(t => t.Value > 0).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}:{t.Value}")));
            Assert.Equal(["romantic", "friendship", "professional", "creative", "service"], counts.ContextsByType!.Keys);
            Assert.Equal(counts.ContextIntentsWritten, counts.ContextsByType!.Values.Sum());
            var batches = counts.Batches!;
            Assert.Equal(counts.UsersMigrated + counts.UsersFailed, batches.Sum(b => b.Users));
            Assert.All(batches, b => Assert.True(b is { Batches: 1, Users: > 0, Seconds: > 0, End: > 0 }, b.ToString()));
            Assert.Equal(batches.OrderBy(b => b.End), batches); // both workers' batches, in the order they ended
            Assert.True(batches.Last().End <= (outcome.FinishedAt - outcome.StartedAt).TotalSeconds + 0.001);
        }

        // 303 users in batches of at most 40: 8 for the one dry pipeline, at least 8 for two workers over halves.
        Assert.Equal(8, ReportReader.ReadHeader(dry.ReportPath!).ToCounts().Batches!.Count);
        Assert.InRange(ReportReader.ReadHeader(live.ReportPath!).ToCounts().Batches!.Count, 8, 10);
    }

    [Fact]
    public void A_sync_records_the_contexts_it_rewrote_and_its_batches()
    {
        var cs = Db.ConnectionString;
        using (var c = Db.Open())
        {
            SampleData.LoadSynthetic(c, 60, seed: 5);
        }

        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        Assert.Equal(RunStatus.Completed, new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None).Status);
        new AppWriter(cs).Write(30);
        var sync = new SyncRunner(target, new SyncOptions { ReportPath = reports, BatchSize = 9 }, new RecordingLog()).Run(CancellationToken.None);
        Assert.Equal(RunStatus.Completed, sync.Status);
        var counts = ReportReader.ReadHeader(sync.ReportPath!).ToCounts();
        Assert.Equal(sync.ContextIntentsWritten, counts.ContextsByType!.Values.Sum());
        Assert.True(counts.ContextIntentsWritten > 0);
        Assert.Equal(counts.UsersTotal, counts.Batches!.Sum(b => b.Users)); // every claimed user, batch by batch
        var batches = 0; // a pass's batches grow from a tenth of the batch size (here 1) by doubling, up to 9
        for (long size = 1, left = counts.UsersTotal; left > 0; left -= size, size = Math.Min(2 * size, 9))
        {
            batches++;
        }

        Assert.Equal(batches, counts.Batches!.Count);
    }

    [Fact]
    public void The_timeline_merges_adjacent_batches_to_stay_within_its_bound()
    {
        var timeline = new BatchTimeline();
        for (var i = 1; i <= BatchTimeline.MaxPoints; i++)
        {
            timeline.Add(i, TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(BatchTimeline.MaxPoints, timeline.Points().Count); // exactly at the bound: one point a batch
        for (var i = BatchTimeline.MaxPoints + 1; i <= 2_501; i++)
        {
            timeline.Add(i, TimeSpan.FromMilliseconds(10));
        }

        var points = timeline.Points();
        Assert.InRange(points.Count, 1, BatchTimeline.MaxPoints);
        Assert.Equal(2_501L * 2_502 / 2, points.Sum(p => p.Users));
        Assert.Equal(2_501, points.Sum(p => p.Batches));
        Assert.All(points.SkipLast(1), p => Assert.Equal(4, p.Batches)); // every point covers as many batches, the last one possibly fewer
        Assert.InRange(points[^1].Batches, 1, 4);
        Assert.Equal(1 + 2 + 3 + 4, points[0].Users); // batches 1 to 4
        Assert.Equal(0.04, points[0].Seconds, 6);
        Assert.Equal(points.OrderBy(p => p.End), points);
    }
}
