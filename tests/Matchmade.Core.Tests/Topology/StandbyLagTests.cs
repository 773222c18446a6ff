using System.Collections.Concurrent;
using System.Diagnostics;
using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Topology;

/// <summary>A primary of its own with a real streaming standby (pg_basebackup -R), shared by the tests of one class.</summary>
public sealed class StandbyFixture : IDisposable
{
    public StandbyFixture()
    {
        Primary = LocalCluster.Start();
        try
        {
            Standby = Primary.StartStandby();
            WaitUntilStreaming();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public LocalCluster Primary { get; }
    public LocalCluster? Standby { get; }

    public void WaitUntilStreaming()
    {
        using var c = Open(Primary.ConnectionString());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Scalar<long>(c, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = @n", ("n", Standby!.StandbyName)) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The standby did not start streaming within 60 s.");
            Thread.Sleep(200);
        }
    }

    /// <summary>
    /// A connection string to <paramref name="database"/> on the standby, once it has replayed what
    /// <paramref name="replayed"/> (a boolean query) looks for; until it has replayed CREATE DATABASE the database is missing.
    /// </summary>
    public string StandbyOnceReplayed(string database, string replayed)
    {
        var standby = new NpgsqlConnectionStringBuilder(Standby!.ConnectionString(database)) { Pooling = false }.ConnectionString;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Has(standby, replayed))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The standby did not replay within 60 s: {replayed}");
            Thread.Sleep(200);
        }

        return standby;
    }

    private static bool Has(string standby, string replayed)
    {
        try
        {
            using var c = Open(standby);
            return Scalar<bool>(c, replayed);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Standby?.Dispose();
        Primary.Dispose();
    }
}

/// <summary>
/// -MaxReplicationLagSeconds against a real standby whose replay is paused: the run holds back, says so, and
/// finishes once replay resumes; without the parameter it does not wait.
/// </summary>
public sealed class StandbyLagTests(StandbyFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<StandbyFixture>, IDisposable
{
    private const int Users = 3000;
    private const int BatchSize = 250;
    private readonly string reports = Directory.CreateTempSubdirectory("mm-standby-").FullName;

    public void Dispose()
    {
        fixture.Standby!.SetReplayPaused(false);
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public async Task A_paused_standby_holds_the_run_back_until_replay_resumes_and_every_user_is_migrated()
    {
        var cs = NewDatabase();
        PauseAndFallBehind();
        var log = new RecordingLog();
        using var holding = SignalWhenWaiting(log);

        // While the run holds back: no row is written for 4 s; then replay resumes.
        var whileHeld = new ConcurrentQueue<long>();
        var observer = Task.Run(() =>
        {
            if (!holding.Wait(TimeSpan.FromSeconds(60)))
            {
                return;
            }

            using var c = Open(cs);
            whileHeld.Enqueue(Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
            Thread.Sleep(4000);
            whileHeld.Enqueue(Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
            fixture.Standby!.SetReplayPaused(false);
        });

        var clock = Stopwatch.StartNew();
        var outcome = Migrate(cs, 2, log);
        await observer;

        Assert.True(outcome.Status == RunStatus.Completed, $"{outcome.Status}: {outcome.Message}");
        Assert.Equal(Users, outcome.UsersMigrated);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), $"The run took {clock.Elapsed}: it did not wait.");
        var counts = whileHeld.ToArray();
        Assert.Equal(2, counts.Length);
        Assert.Equal(counts[0], counts[1]); // nothing written while held
        Assert.True(counts[0] <= 2 * BatchSize, $"{counts[0]} users were written while replay was paused; at most two batches expected.");
        foreach (var line in log.Verbose.Concat(log.Progress.Where(p => p.Status.StartsWith("waiting", StringComparison.Ordinal)).Select(p => "progress: " + p.Status).Distinct()))
        {
            output.WriteLine(line); // what a DBA sees with -Verbose
        }

        var waiting = log.Progress.First(p => p.Status.StartsWith("waiting for standby ", StringComparison.Ordinal)).Status;
        Assert.Matches($"^waiting for standby {fixture.Standby!.StandbyName}: [0-9]+ s behind$", waiting);
        Assert.Contains(log.Verbose, v => v.StartsWith("Holding the next batch back: standby " + fixture.Standby.StandbyName, StringComparison.Ordinal));
        Assert.Contains(log.Verbose, v => v.Contains("writing resumes", StringComparison.Ordinal));
        using var check = Open(cs);
        Assert.Equal((long)Users, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(0L, HalfMigratedRows(check));
    }

    [Fact]
    public async Task A_paused_standby_holds_a_sync_back_until_replay_resumes_and_every_change_is_synced()
    {
        var cs = NewDatabase();
        Assert.Equal(RunStatus.Completed, Migrate(cs, 0, new RecordingLog()).Status); // installs change tracking
        long changed;
        using (var app = Open(cs))
        {
            // The app edits every blob of 600 users (those with a blob count: the others have nothing to edit).
            const string Blobs = "SELECT p.id, cp.\"userId\" FROM \"Profile\" p JOIN \"ContextProfile\" cp ON cp.id = p.\"contextProfileId\" WHERE cp.\"userId\" IN (SELECT id FROM \"User\" ORDER BY id LIMIT 600)";
            changed = Scalar<long>(app, $"SELECT count(DISTINCT \"userId\") FROM ({Blobs}) b");
            Exec(app, $"UPDATE \"Profile\" SET data = jsonb_build_object('location', 'Lag City') WHERE id IN (SELECT id FROM ({Blobs}) b)");
        }

        PauseAndFallBehind();
        var log = new RecordingLog();
        using var holding = SignalWhenWaiting(log);
        var observer = Task.Run(() =>
        {
            var held = holding.Wait(TimeSpan.FromSeconds(60));
            Thread.Sleep(4000);
            fixture.Standby!.SetReplayPaused(false);
            return held;
        });

        var clock = Stopwatch.StartNew();
        SyncOutcome outcome;
        using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs }))
        {
            outcome = new SyncRunner(target, new SyncOptions { BatchSize = BatchSize, MaxReplicationLagSeconds = 2, ReportPath = reports }, log).Run(CancellationToken.None);
        }

        Assert.True(await observer, "The sync never waited for the paused standby.");
        Assert.True(outcome.Status == RunStatus.Completed, $"{outcome.Status}: {outcome.Message}");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), $"The sync took {clock.Elapsed}: it did not wait.");
        Assert.True(changed > 2 * BatchSize, $"only {changed} users changed");
        Assert.Equal(changed, outcome.UsersResynced);
        Assert.Equal(0L, outcome.PendingUsers);
        Assert.Contains(log.Verbose, v => v.StartsWith("Holding the next batch back: standby " + fixture.Standby!.StandbyName, StringComparison.Ordinal));
        using var check = Open(cs);
        Assert.Equal(changed, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\" WHERE location = 'Lag City'"));
    }

    [Fact]
    public async Task A_paused_standby_holds_the_cut_over_back_until_replay_resumes()
    {
        var cs = NewDatabase();
        Assert.Equal(RunStatus.Completed, Migrate(cs, 0, new RecordingLog()).Status); // change tracking installed: the gates pass
        PauseAndFallBehind();
        var log = new RecordingLog();
        using var holding = SignalWhenWaiting(log);
        var archiveWhileHeld = new ConcurrentQueue<long>();
        var observer = Task.Run(() =>
        {
            var held = holding.Wait(TimeSpan.FromSeconds(60));
            using var c = Open(cs);
            archiveWhileHeld.Enqueue(Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'matchmade' AND tablename = 'ProfileOld'"));
            Thread.Sleep(4000);
            fixture.Standby!.SetReplayPaused(false);
            return held;
        });

        var clock = Stopwatch.StartNew();
        CompletionOutcome outcome;
        using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs }))
        {
            outcome = new CompletionRunner(target, new CompletionOptions { MaxReplicationLagSeconds = 2 }, log).Run(CancellationToken.None);
        }

        Assert.True(await observer, "The completion never waited for the paused standby.");
        Assert.True(outcome.Status == RunStatus.Completed, $"{outcome.Status}: {outcome.Message}");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), $"The completion took {clock.Elapsed}: it did not wait.");
        Assert.Equal([0L], archiveWhileHeld.ToArray()); // nothing of the cut-over written while it waited
        using var check = Open(cs);
        Assert.Equal((long)Users, Scalar<long>(check, "SELECT count(*) FROM \"Profile\" WHERE \"userId\" IS NOT NULL AND completeness IS NOT NULL"));
    }

    [Fact]
    public void Ctrl_C_while_waiting_for_a_standby_stops_the_run_without_writing_further()
    {
        var cs = NewDatabase();
        PauseAndFallBehind();
        using var stop = new CancellationTokenSource();
        var log = new RecordingLog
        {
            OnProgress = p =>
            {
                if (p.Status.StartsWith("waiting for standby ", StringComparison.Ordinal))
                {
                    stop.CancelAfter(TimeSpan.FromSeconds(1));
                }
            },
        };
        var clock = Stopwatch.StartNew();
        var outcome = Migrate(cs, 2, log, stop.Token);
        Assert.True(outcome.Status == RunStatus.Cancelled, $"{outcome.Status}: {outcome.Message}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Stopping took {clock.Elapsed}.");
        Assert.True(outcome.UsersMigrated <= 2 * BatchSize, $"{outcome.UsersMigrated} users written.");
        using var check = Open(cs);
        Assert.Equal(outcome.UsersMigrated, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(0L, HalfMigratedRows(check));
    }

    [Fact]
    public void A_standby_that_disappears_while_the_run_waits_for_it_stops_counting()
    {
        var cs = NewDatabase();
        PauseAndFallBehind();
        var log = new RecordingLog();
        var stopped = false;
        log.OnProgress = p =>
        {
            if (!stopped && p.Status.StartsWith("waiting for standby ", StringComparison.Ordinal))
            {
                stopped = true;
                fixture.Standby!.Stop(); // gone from pg_stat_replication: the run goes on
            }
        };
        try
        {
            var outcome = Migrate(cs, 2, log);
            Assert.True(stopped, "The run never waited for the paused standby.");
            Assert.True(outcome.Status == RunStatus.Completed, $"{outcome.Status}: {outcome.Message}");
            Assert.Equal(Users, outcome.UsersMigrated);
        }
        finally
        {
            fixture.Standby!.Restart(immediate: false);
            fixture.WaitUntilStreaming();
        }
    }

    [Fact]
    public void Without_the_limit_a_paused_standby_does_not_hold_the_run()
    {
        var cs = NewDatabase();
        PauseAndFallBehind();
        var log = new RecordingLog();
        var outcome = Migrate(cs, 0, log);
        Assert.True(outcome.Status == RunStatus.Completed, $"{outcome.Status}: {outcome.Message}");
        Assert.Equal(Users, outcome.UsersMigrated);
        Assert.DoesNotContain(log.Progress, p => p.Status.StartsWith("waiting for standby", StringComparison.Ordinal));
        using var standby = Open(new NpgsqlConnectionStringBuilder(fixture.Standby!.ConnectionString()) { Pooling = false }.ConnectionString); // not one from before a restart
        Assert.True(Scalar<bool>(standby, "SELECT pg_is_wal_replay_paused()")); // still paused: the run never waited for it
    }

    [Fact]
    public void A_role_that_cannot_see_the_standbys_positions_is_refused_before_anything_is_written()
    {
        var cs = NewDatabase();
        var database = new NpgsqlConnectionStringBuilder(cs).Database!;
        using (var c = Open(cs))
        {
            Exec(c, $"""
                DROP ROLE IF EXISTS lag_blind; CREATE ROLE lag_blind LOGIN PASSWORD 'lag-blind-pw';
                GRANT CONNECT, CREATE ON DATABASE "{database}" TO lag_blind; GRANT ALL ON SCHEMA public TO lag_blind;
                GRANT ALL ON ALL TABLES IN SCHEMA public TO lag_blind;
                """);
        }

        var blind = new NpgsqlConnectionStringBuilder(cs) { Username = "lag_blind", Password = "lag-blind-pw" }.ConnectionString;
        var e = Assert.Throws<MatchmadeException>(() => Migrate(blind, 2, new RecordingLog()));
        Assert.Equal("PermissionDenied", e.ErrorId);
        Assert.Contains("pg_monitor", e.Message, StringComparison.Ordinal);
        using var check = Open(cs);
        Assert.Equal(0L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE tablename = 'ProfileNew' OR schemaname = 'matchmade'"));
        Exec(check, $"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM lag_blind; REVOKE ALL ON SCHEMA public FROM lag_blind; REVOKE ALL ON DATABASE \"{database}\" FROM lag_blind");
    }

    /// <summary>Set once the log reports that the command is waiting for a standby.</summary>
    private static ManualResetEventSlim SignalWhenWaiting(RecordingLog log)
    {
        var holding = new ManualResetEventSlim();
        log.OnProgress = p =>
        {
            if (p.Status.StartsWith("waiting for standby ", StringComparison.Ordinal))
            {
                holding.Set();
            }
        };
        return holding;
    }

    /// <summary>Pauses replay, then writes on the primary and lets 3 s pass: the standby is measurably behind.</summary>
    private void PauseAndFallBehind()
    {
        fixture.Standby!.SetReplayPaused(true);
        using var c = Open(fixture.Primary.ConnectionString());
        Exec(c, "CREATE TABLE IF NOT EXISTS lag_probe (at timestamptz); INSERT INTO lag_probe VALUES (now())");
        Thread.Sleep(3000);
    }

    private string NewDatabase()
    {
        var name = "lag_" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = Open(fixture.Primary.ConnectionString()))
        {
            Exec(admin, $"CREATE DATABASE {name}");
        }

        var cs = fixture.Primary.ConnectionString(name);
        using var c = Open(cs);
        SourceSchema.Apply(c, "public");
        SampleData.LoadSynthetic(c, Users, seed: 16);
        return cs;
    }

    private MigrationOutcome Migrate(string cs, int maxLagSeconds, RecordingLog log, CancellationToken stop = default)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        var options = new MigrationOptions { BatchSize = BatchSize, MaxReplicationLagSeconds = maxLagSeconds, ReportPath = reports };
        return new MigrationRunner(target, options, log).Run(stop);
    }
}
