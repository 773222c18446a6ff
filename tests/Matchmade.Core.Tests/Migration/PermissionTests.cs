using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>Each command runs with exactly the grants docs/permissions.md lists; one grant less is refused up front.</summary>
public sealed class PermissionTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-perm-").FullName;
    private readonly string cs = TestServer.Shared.CreateDatabase("perm");
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    public PermissionTests()
    {
        using var c = Open(cs);
        Exec(c, PrismaMigrationsTable);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 50, seed: 6);
    }

    public void Dispose()
    {
        TestServer.Shared.DropDatabase(cs);
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void A_live_run_with_one_grant_missing_is_refused_before_anything_is_written()
    {
        var role = Role("nogrant", $"""
            GRANT CONNECT, CREATE ON DATABASE "{Database}" TO @role@;
            GRANT USAGE, CREATE ON SCHEMA public TO @role@;
            GRANT SELECT ON "User", "ContextProfile" TO @role@;
            GRANT REFERENCES ON "User" TO @role@;
            GRANT SELECT, INSERT ON "_prisma_migrations" TO @role@;
            """);
        string before;
        using (var c = Open(cs))
        {
            before = WholeDatabaseHash(c);
        }

        var e = Assert.Throws<MatchmadeException>(() => Run(role, new MigrationOptions()));
        Assert.Equal("PermissionDenied", e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains("SELECT on \"public\".\"Profile\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("docs/permissions.md", e.Message, StringComparison.Ordinal);
        using var check = Open(cs);
        Assert.Equal(before, WholeDatabaseHash(check));
    }

    [Fact]
    public void Live_run_dry_run_and_integrity_work_with_exactly_the_documented_grants()
    {
        var migrator = Role("migrator", $"""
            GRANT CONNECT, CREATE ON DATABASE "{Database}" TO @role@;
            GRANT USAGE, CREATE ON SCHEMA public TO @role@;
            GRANT SELECT, TRIGGER ON "User", "ContextProfile", "Profile" TO @role@;
            GRANT REFERENCES ON "User" TO @role@;
            GRANT SELECT, INSERT ON "_prisma_migrations" TO @role@;
            """);
        var reader = Role("reader", $"""
            GRANT CONNECT ON DATABASE "{Database}" TO @role@;
            GRANT USAGE ON SCHEMA public TO @role@;
            GRANT SELECT ON "User", "ContextProfile", "Profile", "ChatMessage", "_prisma_migrations" TO @role@;
            """);

        var dry = Run(reader, new MigrationOptions { DryRun = true });
        Assert.True(dry.Status == RunStatus.Completed, dry.Failure?.Message);
        var live = Run(migrator, new MigrationOptions());
        Assert.True(live.Status == RunStatus.Completed, live.Failure?.Message);
        Assert.Equal(53, live.UsersMigrated);

        // The app edits a blob; the same role syncs it (permissions.md: the live run's grants, it owns the new tables).
        using (var c = Open(cs))
        {
            Exec(c, """UPDATE "Profile" SET data = '{"name": "Synced with the documented grants"}' WHERE id = (SELECT min(id) FROM "Profile")""");
        }

        using (var syncTarget = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(migrator) }))
        {
            var log = new RecordingLog();
            var sync = new SyncRunner(syncTarget, new SyncOptions { ReportPath = reports }, log).Run(CancellationToken.None);
            Assert.True(sync.Status == RunStatus.Completed && sync.UsersResynced == 1, sync.Failure?.Message ?? sync.Message);
            Assert.Contains(log.Warnings, w => w.Contains("GRANT UPDATE (id) ON", StringComparison.Ordinal)); // without the row lock, and says so
        }

        // With the optional grant the batches lock the users first (FOR KEY SHARE), and nothing is said.
        using (var c = Open(cs))
        {
            Exec(c, $"GRANT UPDATE (id) ON \"User\" TO {migrator}");
            Exec(c, """UPDATE "Profile" SET data = '{"name": "Synced with the row lock"}' WHERE id = (SELECT min(id) FROM "Profile")""");
        }

        using (var syncTarget = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(migrator) }))
        {
            var log = new RecordingLog();
            var sync = new SyncRunner(syncTarget, new SyncOptions { ReportPath = reports }, log).Run(CancellationToken.None);
            Assert.True(sync.Status == RunStatus.Completed && sync.UsersResynced == 1, sync.Failure?.Message ?? sync.Message);
            Assert.DoesNotContain(log.Warnings, w => w.Contains("GRANT UPDATE (id) ON", StringComparison.Ordinal));
        }

        using (var c = Open(cs))
        {
            Exec(c, $"GRANT SELECT ON \"ProfileNew\", \"ContextIntent\" TO {reader}");
            Exec(c, $"GRANT USAGE ON SCHEMA matchmade TO {reader}; GRANT SELECT ON matchmade.changed_user, matchmade.tracking_marker TO {reader}");
        }

        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(reader) });
        Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
    }

    [Fact]
    public void Undo_works_with_the_documented_grants_and_one_missing_is_a_clear_error_with_nothing_dropped()
    {
        var migrator = Role("undoer", $"""
            GRANT CONNECT, CREATE ON DATABASE "{Database}" TO @role@;
            GRANT USAGE, CREATE ON SCHEMA public TO @role@;
            GRANT SELECT, TRIGGER ON "User", "ContextProfile", "Profile" TO @role@;
            GRANT REFERENCES ON "User" TO @role@;
            GRANT SELECT, INSERT ON "_prisma_migrations" TO @role@;
            """);
        var live = Run(migrator, new MigrationOptions());
        Assert.True(live.Status == RunStatus.Completed, live.Failure?.Message);
        string before;
        using (var c = Open(cs))
        {
            before = WholeDatabaseHash(c);
        }

        // Without UPDATE on _prisma_migrations (docs/permissions.md lists it): refused, and the drop is rolled back.
        using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(migrator) }))
        {
            var e = Assert.Throws<MatchmadeException>(() => UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None));
            Assert.Equal("PermissionDenied", e.ErrorId);
            Assert.Equal(FailureKind.PermissionDenied, e.Kind);
            Assert.Contains("_prisma_migrations", e.Message, StringComparison.Ordinal);
        }

        using (var c = Open(cs))
        {
            Assert.Equal(before, WholeDatabaseHash(c));
            Exec(c, $"GRANT UPDATE ON \"_prisma_migrations\" TO {migrator}");
        }

        using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(migrator) }))
        {
            var log = new RecordingLog();
            var undone = UndoRunner.Run(target, new UndoOptions(), log, CancellationToken.None);
            Assert.True(undone.Dropped);
            Assert.Equal(53, undone.ProfileNewRows);
            // Not the old tables' owner: the triggers stay (the warning names the owner's statements) but record nothing.
            Assert.Contains(log.Warnings, w => w.Contains("DROP TRIGGER matchmade_record_change ON \"public\".\"Profile\";", StringComparison.Ordinal));
        }

        using (var c = Open(cs))
        {
            Exec(c, """UPDATE "Profile" SET data = '{"name": "After undo"}'""");
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM matchmade.changed_user"));
        }

        using var check = Open(cs);
        Assert.Equal(0L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew', 'ContextIntent')"));
        Assert.True(Scalar<bool>(check, $"SELECT rolled_back_at IS NOT NULL FROM \"_prisma_migrations\" WHERE migration_name = '{Matchmade.Core.Schema.PrismaSchema.MigrationName}'"));
    }

    [Fact]
    public void The_dry_run_reads_in_a_transaction_the_server_itself_marks_read_only()
    {
        var reader = Role("rodry", $"""
            GRANT CONNECT ON DATABASE "{Database}" TO @role@;
            GRANT USAGE ON SCHEMA public TO @role@;
            GRANT SELECT ON "User", "ContextProfile", "Profile", "ChatMessage", "_prisma_migrations" TO @role@;
            """);
        using (var c = Open(cs))
        {
            // Row-level security shows this role the users only inside a READ ONLY transaction: if the dry run read
            // in a writable one, it would find nobody.
            Exec(c, $"""
                ALTER TABLE "User" ENABLE ROW LEVEL SECURITY;
                CREATE POLICY read_only_only ON "User" FOR SELECT TO {reader} USING (current_setting('transaction_read_only')::boolean);
                """);
        }

        using (var plain = Open(As(reader)))
        {
            Assert.Equal(0L, Scalar<long>(plain, "SELECT count(*) FROM \"User\""));
            Exec(plain, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
            Assert.Equal(53L, Scalar<long>(plain, "SELECT count(*) FROM \"User\""));
            Exec(plain, "COMMIT");
        }

        var dry = Run(reader, new MigrationOptions { DryRun = true, BatchSize = 10 });
        Assert.True(dry.Status == RunStatus.Completed, dry.Failure?.Message);
        Assert.Equal(53, dry.UsersTotal);
        Assert.Equal(53, dry.UsersMigrated);
    }

    private string Database => new NpgsqlConnectionStringBuilder(cs).Database!;

    private string Role(string name, string grants)
    {
        var role = $"mm_{name}_{suffix}";
        using var c = Open(cs);
        Exec(c, $"CREATE ROLE {role} LOGIN PASSWORD 'pw-{suffix}'; REVOKE ALL ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE \"{Database}\" FROM PUBLIC;");
        Exec(c, grants.Replace("@role@", role, StringComparison.Ordinal));
        return role;
    }

    private string As(string role) => new NpgsqlConnectionStringBuilder(cs) { Username = role, Password = $"pw-{suffix}" }.ConnectionString;

    private MigrationOutcome Run(string role, MigrationOptions options)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = As(role) });
        return new MigrationRunner(target, options with { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }
}
