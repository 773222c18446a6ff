using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Status;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Tests.Topology;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The change record is unlogged (the app's writes add no WAL for it), so a crash's recovery empties it and a standby
/// has none. A real crash restart (pg_ctl stop -m immediate) must make that loud: status says Reset, the PendingChanges
/// check fails and says to run -Full, a plain sync refuses, a live re-run does not hide it, and -Full brings everything
/// back and re-arms tracking. On a standby nothing reads the unlogged tables (it would raise an error).
/// </summary>
public sealed class TrackingResetTests(StandbyFixture fixture) : IClassFixture<StandbyFixture>, IDisposable
{
    private const int Users = 40;
    private readonly string reports = Directory.CreateTempSubdirectory("mm-reset-").FullName;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void A_crash_restart_resets_tracking_loudly_and_a_full_sync_brings_everything_back()
    {
        using var cluster = LocalCluster.Start(new LocalClusterOptions { Durable = true }); // fsync and synchronous_commit on: the edits survive the crash, their records do not
        var cs = NewDatabase(cluster.ConnectionString(), cluster.ConnectionString);
        var run = Migrate(cs);
        Assert.True(run.Status == RunStatus.Completed, run.Message);
        Assert.Equal("Installed", Tracking(cs).Status);
        var edited = EditBlobs(cs, 5);
        Assert.Equal(edited, Tracking(cs).PendingUsers);

        cluster.Restart(); // pg_ctl stop -m immediate, then start: crash recovery resets the unlogged tables
        NpgsqlConnection.ClearAllPools();

        var reset = Tracking(cs);
        Assert.True(reset.Reset && !reset.Installed && reset.TableExists, reset.ToString());
        Assert.Equal(0, reset.PendingUsers); // the records of the five edits are gone
        Assert.Equal("Reset", Status(cs).TrackingStatus);
        var pending = Check(cs, "PendingChanges");
        Assert.False(pending.Passed);
        Assert.Contains("Sync-ProfileMigration -Full", pending.Detail, StringComparison.Ordinal);
        Assert.False(Check(cs, "Reconciliation").Passed); // the edits never reached the new tables

        var refused = Assert.Throws<MatchmadeException>(() => Sync(cs, new SyncOptions()));
        Assert.Equal(ErrorIds.TrackingReset, refused.ErrorId);
        Assert.Contains("Sync-ProfileMigration -Full", refused.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Completed, Migrate(cs).Status); // a live re-run reinstalls nothing that would hide the reset
        Assert.True(Tracking(cs).Reset);

        var full = Sync(cs, new SyncOptions { Full = true });
        Assert.Equal(RunStatus.Completed, full.Status);
        Assert.Equal(edited, full.UsersResynced);
        Assert.Equal("Installed", Tracking(cs).Status);
        AssertAllChecksPass(cs);

        // Armed again: the next edits are tracked and a plain sync takes them.
        Assert.Equal(2, EditBlobs(cs, 2));
        Assert.Equal(2, Sync(cs, new SyncOptions()).UsersResynced);
        AssertAllChecksPass(cs);
    }

    [Fact]
    public void On_a_standby_status_and_integrity_say_unknown_without_reading_the_unlogged_tables()
    {
        var cs = NewDatabase(fixture.Primary.ConnectionString(), fixture.Primary.ConnectionString);
        var run = Migrate(cs);
        Assert.True(run.Status == RunStatus.Completed, run.Message);
        EditBlobs(cs, 3);
        var database = new NpgsqlConnectionStringBuilder(cs).Database!;
        // Replayed: the migration's triggers and the edits.
        var standby = fixture.StandbyOnceReplayed(database, "SELECT (SELECT count(*) FROM pg_trigger WHERE tgname = 'matchmade_record_change') >= 3 AND (SELECT count(*) FROM \"Profile\" WHERE data ? 'edited') >= 3");

        using (var c = Open(standby))
        {
            Assert.True(Scalar<bool>(c, "SELECT pg_is_in_recovery()"));
            var e = Assert.Throws<PostgresException>(() => Scalar<long>(c, "SELECT count(*) FROM matchmade.changed_user"));
            Assert.Contains("unlogged", e.MessageText, StringComparison.Ordinal); // what the code must never run into
        }

        var state = Tracking(standby);
        Assert.True(state.OnStandby && state.PendingUsers is null, state.ToString());
        Assert.Equal("Unknown", Status(standby).TrackingStatus);
        var pending = Check(standby, "PendingChanges");
        Assert.False(pending.Passed);
        Assert.Contains("primary", pending.Detail, StringComparison.Ordinal);
        var refused = Assert.Throws<MatchmadeException>(() => Sync(standby, new SyncOptions { DryRun = true }));
        Assert.Equal(ErrorIds.ReadOnlyTransaction, refused.ErrorId);
        Assert.Equal(3, Tracking(cs).PendingUsers); // the primary still knows
    }

    [Fact]
    public void An_earlier_versions_logged_change_table_is_made_unlogged_with_its_rows_and_armed()
    {
        var cs = NewDatabase(fixture.Primary.ConnectionString(), fixture.Primary.ConnectionString);
        var run = Migrate(cs);
        Assert.True(run.Status == RunStatus.Completed, run.Message);
        using (var c = Open(cs))
        {
            Exec(c, "ALTER TABLE matchmade.changed_user SET LOGGED; DROP TABLE matchmade.tracking_marker"); // as an earlier version left it
        }

        var edited = EditBlobs(cs, 2);
        Assert.Equal(RunStatus.Completed, Migrate(cs).Status);
        using (var c = Open(cs))
        {
            Assert.Equal("u", Scalar<string>(c, "SELECT relpersistence::text FROM pg_class WHERE oid = 'matchmade.changed_user'::regclass"));
        }

        var state = Tracking(cs);
        Assert.Equal("Installed", state.Status);
        Assert.Equal(edited, state.PendingUsers);
        Assert.Equal(edited, Sync(cs, new SyncOptions()).UsersResynced);
        AssertAllChecksPass(cs);
    }

    private string NewDatabase(string admin, Func<string, string> connectionString)
    {
        var name = "reset_" + Guid.NewGuid().ToString("N")[..8];
        using (var c = Open(admin))
        {
            Exec(c, $"CREATE DATABASE {name}");
        }

        var cs = connectionString(name);
        using var db = Open(cs);
        SourceSchema.Apply(db, "public");
        SampleData.LoadSynthetic(db, Users, seed: 31);
        return cs;
    }

    /// <summary>
    /// Gives <paramref name="count"/> users a new name in every one of their blobs (so the merged name changes whatever
    /// the contexts' order); returns how many users changed.
    /// </summary>
    private static int EditBlobs(string cs, int count)
    {
        using var c = Open(cs);
        return Scalar<int>(c, """
            WITH chosen AS (
                SELECT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id
                GROUP BY 1 ORDER BY random() LIMIT @n),
            edited AS (
                UPDATE "Profile" p SET data = CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}'::jsonb END
                                              || jsonb_build_object('name', 'Edited ' || md5(cp."userId" || clock_timestamp()::text), 'edited', true)
                FROM "ContextProfile" cp
                WHERE cp.id = p."contextProfileId" AND cp."userId" IN (SELECT "userId" FROM chosen)
                RETURNING cp."userId")
            SELECT count(DISTINCT "userId")::int FROM edited
            """, ("n", count));
    }

    private static DatabaseTarget Target(string cs) => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });

    private static TrackingState Tracking(string cs)
    {
        using var target = Target(cs);
        using var c = Open(cs);
        return ChangeTracking.Read(c, null, target.Schemas);
    }

    private static MigrationStatusInfo Status(string cs)
    {
        using var target = Target(cs);
        return StatusReader.Read(target, CancellationToken.None);
    }

    private static IntegrityCheckResult Check(string cs, string name)
    {
        using var target = Target(cs);
        return new IntegrityChecker(target, new RecordingLog()).Run([name], null, CancellationToken.None).Single();
    }

    private static void AssertAllChecksPass(string cs)
    {
        using var target = Target(cs);
        Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
    }

    private MigrationOutcome Migrate(string cs)
    {
        using var target = Target(cs);
        return new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    private SyncOutcome Sync(string cs, SyncOptions options)
    {
        using var target = Target(cs);
        return new SyncRunner(target, options with { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }
}
