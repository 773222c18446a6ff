using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The transition end to end on a real server: the app writes the old tables during and after a live run, a sync
/// brings the new tables to exactly what a fresh migration of the old tables as they are now writes (ids and
/// timestamps aside), and every integrity check passes.
/// </summary>
public sealed partial class SyncTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-sync-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in databases)
        {
            TestServer.Shared.DropDatabase(database);
        }

        Directory.Delete(reports, recursive: true);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public void Writes_during_and_after_a_live_run_are_synced_exactly(int workers, int syncWorkers)
    {
        var cs = NewDatabase(300);
        var writer = new AppWriter(cs);
        using (writer.Start())
        {
            SpinWait.SpinUntil(() => writer.Done > 20, TimeSpan.FromSeconds(30));
            var run = Migrate(cs, new MigrationOptions { BatchSize = 10, ThrottleLimit = workers });
            Assert.Equal(RunStatus.Completed, run.Status);
            var during = writer.Done;
            SpinWait.SpinUntil(() => writer.Done > during + 3 * writer.Kinds, TimeSpan.FromSeconds(30));
        }

        writer.Write(4 * writer.Kinds);
        using (var target = Target(cs))
        using (var probe = Open(cs))
        {
            Assert.True(ChangeTracking.Read(probe, null, target.Schemas).PendingUsers > 0);
        }

        var log = new RecordingLog();
        SyncOutcome sync;
        using (var target = Target(cs))
        {
            sync = new SyncRunner(target, new SyncOptions { BatchSize = 25, ThrottleLimit = syncWorkers, ReportPath = reports }, log).Run(CancellationToken.None);
        }

        Assert.Equal(RunStatus.Completed, sync.Status);
        Assert.True(sync.UsersResynced > 0 && sync.UsersCreated > 0 && sync.UsersDeleted > 0, $"{sync.UsersResynced} re-synced, {sync.UsersCreated} created, {sync.UsersDeleted} deleted");
        Assert.Equal(syncWorkers > 1, log.Verbose.Any(v => v.StartsWith($"{syncWorkers} workers over slices of the ", StringComparison.Ordinal)));
        Assert.Equal(0, sync.PendingUsers);
        Assert.Equal(0, sync.UsersFailed);
        AssertSyncedExactly(cs);
        using var c = Open(cs);
        Assert.Equal(0L, HalfMigratedRows(c));
        Assert.Equal("Sync", Scalar<string>(c, "SELECT mode FROM matchmade.run ORDER BY started_at DESC LIMIT 1"));
    }

    [Fact]
    public void Tracking_adds_only_triggers_is_idempotent_and_undo_removes_it()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions { ChangeTracking = false }).Status);
        string before;
        using (var c = Open(cs))
        {
            before = Catalog(c);
            Assert.Equal(0L, Triggers(c));
        }

        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Assert.Equal(before, Catalog(c)); // tables, columns, defaults, indexes, constraints, types, functions of the app's schema
            Assert.Equal(6L, Triggers(c));
            Assert.Equal(TriggerFunctions, TriggerFunctionsCalled(c)); // one per table, and TRUNCATE's, all SECURITY DEFINER
            Assert.Equal(32L, Scalar<long>(c, "SELECT seqcache FROM pg_sequence WHERE seqrelid = 'matchmade.changed_user_seq_seq'::regclass"));
            Assert.Equal(4L, Scalar<long>(c, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'matchmade' AND p.proname LIKE 'record%' AND p.prosecdef"));
        }

        using (var target = Target(cs))
        {
            Assert.True(UndoRunner.Run(target, new UndoOptions { Force = true }, new RecordingLog(), CancellationToken.None).Dropped);
        }

        using (var c = Open(cs))
        {
            Assert.Equal(0L, Triggers(c));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'matchmade' AND p.proname LIKE 'record%'"));
            Assert.Null(Scalar<string?>(c, "SELECT to_regclass('matchmade.changed_user')::text"));
        }
    }

    [Fact]
    public void Without_tracking_only_a_full_sync_catches_up()
    {
        var cs = NewDatabase(120);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions { ChangeTracking = false }).Status);
        new AppWriter(cs).Write(40);
        using (var target = Target(cs))
        {
            var refused = Assert.Throws<MatchmadeException>(() => new SyncRunner(target, new SyncOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None));
            Assert.Equal("TrackingNotInstalled", refused.ErrorId);
            var pending = new IntegrityChecker(target, new RecordingLog()).Run(["PendingChanges"], null, CancellationToken.None).Single();
            Assert.True(pending.Passed);
            Assert.Equal(CheckSeverity.Warning, pending.Severity);
            Assert.False(new IntegrityChecker(target, new RecordingLog()).Run(["Reconciliation"], null, CancellationToken.None).Single().Passed);
        }

        var sync = Sync(cs, new SyncOptions { Full = true, BatchSize = 7 });
        Assert.Equal(RunStatus.Completed, sync.Status);
        Assert.True(sync.UsersResynced + sync.UsersCreated > 0);
        AssertSyncedExactly(cs);
        Assert.Equal(0, Sync(cs, new SyncOptions { Full = true }).UsersResynced); // nothing differs any more
    }

    [Fact]
    public void Data_checks_that_fail_while_users_await_a_sync_say_so_and_pass_after_it()
    {
        var cs = NewDatabase(60);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, """
                INSERT INTO "User" (id, email, "updatedAt") VALUES ('user_after_migration', 'late@example.com', now());
                INSERT INTO "ContextProfile" (id, "userId", "contextType", "updatedAt") VALUES ('cp_after_migration', 'user_after_migration', 'creative', now());
                """);
        }

        using var target = Target(cs);
        var failed = new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).Where(r => !r.Passed).ToList();
        Assert.Contains(failed, r => r.Name == "UserProfileCount");
        Assert.Contains(failed, r => r.Name == "PendingChanges");
        Assert.All(failed.Where(r => r.Name != "PendingChanges"), r => Assert.Contains("1 users changed in the old tables await Sync-ProfileMigration", r.Detail, StringComparison.Ordinal));

        Assert.Equal(1, Sync(cs, new SyncOptions()).UsersCreated);
        AssertAllChecksPass(cs);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Continuous_follows_a_writer_and_stops_on_request_with_whole_users(int workers)
    {
        var cs = NewDatabase(150);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        var writer = new AppWriter(cs);
        using var stop = new CancellationTokenSource();
        var log = new RecordingLog();
        var passes = 0;
        log.OnProgress = p =>
        {
            if (p.Status.StartsWith("Pass ", StringComparison.Ordinal) && p.Status.Contains("pending", StringComparison.Ordinal) && ++passes == 5)
            {
                stop.Cancel(); // Ctrl+C while the app is writing
            }
        };
        SyncOutcome outcome;
        using (writer.Start())
        using (var target = Target(cs))
        {
            outcome = new SyncRunner(target, new SyncOptions { Continuous = true, Interval = TimeSpan.FromSeconds(1), BatchSize = 5, ThrottleLimit = workers, ReportPath = reports }, log).Run(stop.Token);
        }

        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.True(outcome.Passes >= 5, $"{outcome.Passes} passes");
        Assert.True(outcome.UsersResynced + outcome.UsersCreated + outcome.UsersDeleted > 0, $"{outcome.Passes} passes, nothing synced");
        Assert.Equal(workers > 1, log.Verbose.Any(v => v.Contains(" workers over slices of the ", StringComparison.Ordinal)));
        // The app wrote until after the stop, so some users are pending (a new context has no ContextIntent yet);
        // every user not pending has exactly the rows the rules compute: the stop left no user half synced.
        AssertSettledUsersReconcile(cs, minimum: 11);

        var until = Sync(cs, new SyncOptions { Continuous = true, Interval = TimeSpan.FromSeconds(1), ThrottleLimit = workers, Until = DateTimeOffset.UtcNow.AddSeconds(2) });
        Assert.Equal(RunStatus.Completed, until.Status);
        Assert.Equal(0, until.PendingUsers);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void Truncate_of_an_old_table_is_tracked()
    {
        var cs = NewDatabase(40);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, """TRUNCATE "Profile" """);
        }

        var sync = Sync(cs, new SyncOptions());
        Assert.True(sync.UsersResynced > 30);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void WhatIf_counts_pending_users_and_writes_nothing()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            Exec(c, """UPDATE "Profile" SET data = '{"name": "Same"}' WHERE id IN (SELECT id FROM "Profile" ORDER BY id LIMIT 5)""");
        }

        string before;
        using (var c = Open(cs))
        {
            before = WholeDatabaseHash(c);
        }

        var whatIf = Sync(cs, new SyncOptions { DryRun = true });
        Assert.True(whatIf.PendingUsers is > 0 and <= 5);
        Assert.Contains($"Would re-sync {whatIf.PendingUsers} users", whatIf.Message, StringComparison.Ordinal);
        using (var c = Open(cs))
        {
            Assert.Equal(before, WholeDatabaseHash(c));
        }
    }

    [Fact]
    public void Tracking_and_sync_work_in_schemas_named_like_an_injection()
    {
        const string schema = "app \"x\"; DROP TABLE \"User\"; -- ü";
        var cs = TestServer.Shared.CreateDatabase("hostilesync", schema);
        databases.Add(cs);
        using (var c = Open(cs))
        {
            SampleData.LoadSynthetic(c, 60, seed: 5, schema: schema);
        }

        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs, Schema = schema, StateSchema = "mm state \"; --" });
        Assert.Equal(RunStatus.Completed, new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None).Status);
        var writer = new AppWriter(cs, schema);
        writer.Write(3 * writer.Kinds);
        using (var c = Open(cs))
        {
            Assert.True(ChangeTracking.Read(c, null, target.Schemas) is { Installed: true, PendingUsers: > 0 });
        }

        var sync = new SyncRunner(target, new SyncOptions { ReportPath = reports, BatchSize = 9 }, new RecordingLog()).Run(CancellationToken.None);
        Assert.Equal(RunStatus.Completed, sync.Status);
        Assert.Equal(0, sync.PendingUsers);
        Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        Assert.True(UndoRunner.Run(target, new UndoOptions { Force = true }, new RecordingLog(), CancellationToken.None).Dropped);
        using (var c = Open(cs))
        {
            Assert.Equal(0L, Triggers(c));
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'mm state \"; --'"));
        }
    }

    private string NewDatabase(int users)
    {
        var cs = TestServer.Shared.CreateDatabase("sync");
        databases.Add(cs);
        using var c = Open(cs);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, users, seed: 13);
        return cs;
    }

    private DatabaseTarget Target(string cs) => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });

    private MigrationOutcome Migrate(string cs, MigrationOptions options)
    {
        using var target = Target(cs);
        return new MigrationRunner(target, options with { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    private SyncOutcome Sync(string cs, SyncOptions options)
    {
        using var target = Target(cs);
        return new SyncRunner(target, options with { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    /// <summary>
    /// Every user with no change pending has exactly the rows the rules compute: a stopped or killed sync left no user
    /// half synced (pending users may legitimately lack rows, e.g. a context the app just added).
    /// </summary>
    private void AssertSettledUsersReconcile(string cs, int minimum)
    {
        List<string> settled = [];
        using (var c = Open(cs))
        using (var command = new NpgsqlCommand("""
            SELECT u.id FROM "User" u WHERE NOT EXISTS (
                SELECT 1 FROM matchmade.changed_user ch LEFT JOIN "ContextProfile" cp ON cp.id = ch.context_profile_id
                WHERE coalesce(ch.user_id, cp."userId") = u.id)
            """, c))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                settled.Add(reader.GetString(0));
            }
        }

        Assert.True(settled.Count >= minimum, $"{settled.Count} settled users");
        if (settled.Count == 0)
        {
            return;
        }

        using (var target = Target(cs))
        {
            var reconciliation = new IntegrityChecker(target, new RecordingLog()).Run(["Reconciliation"], settled, CancellationToken.None).Single();
            Assert.True(reconciliation.Passed, reconciliation.Detail);
        }
    }

    /// <summary>
    /// The closing proof of a sync: every integrity check passes, and the new tables hold exactly what a fresh migration
    /// of the old tables as they are now writes (ids and timestamps aside).
    /// </summary>
    private void AssertSyncedExactly(string cs)
    {
        AssertAllChecksPass(cs);
        Assert.Equal(FreshMigrationHash(cs), Hash(cs));
    }

    private void AssertAllChecksPass(string cs)
    {
        using var target = Target(cs);
        Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
    }

    private static string Hash(string cs)
    {
        using var c = Open(cs);
        return NewTablesContentHash(c);
    }

    /// <summary>What a fresh migration of the old tables as they are now writes: a copy (CREATE DATABASE … TEMPLATE), its new tables and tracking undone, migrated again.</summary>
    private string FreshMigrationHash(string cs)
    {
        var source = new NpgsqlConnectionStringBuilder(cs).Database!;
        var copy = TestServer.Shared.CreateDatabase("fresh"); // a name of our own; replaced by the copy below
        databases.Add(copy);
        var copyName = new NpgsqlConnectionStringBuilder(copy).Database!;
        NpgsqlConnection.ClearAllPools();
        using (var admin = Open(TestServer.Shared.AdminConnectionString))
        {
            Exec(admin, $"DROP DATABASE \"{copyName}\" WITH (FORCE)");
            // The server may still be closing sessions just released.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    Exec(admin, $"CREATE DATABASE \"{copyName}\" TEMPLATE \"{source}\"");
                    break;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 50)
                {
                    Thread.Sleep(100);
                }
            }
        }

        using (var target = Target(copy))
        {
            Assert.True(UndoRunner.Run(target, new UndoOptions { Force = true }, new RecordingLog(), CancellationToken.None).Dropped);
        }

        Assert.Equal(RunStatus.Completed, Migrate(copy, new MigrationOptions { ChangeTracking = false }).Status);
        return Hash(copy);
    }

    private static string Catalog(NpgsqlConnection c) => Scalar<string>(c, """
        SELECT string_agg(x, E'\n' ORDER BY x) FROM (
            SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS x FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        ) t
        """);

    private static long Triggers(NpgsqlConnection c) =>
        Scalar<long>(c, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'matchmade%' AND NOT tgisinternal");
}
