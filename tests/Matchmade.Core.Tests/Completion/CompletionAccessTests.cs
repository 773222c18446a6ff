using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Core.Tests.Completion.CompletionDb;
using static Matchmade.Tests.Shared.DbAssert;
using static Matchmade.Tests.Shared.DbCatalog;

namespace Matchmade.Core.Tests.Completion;

/// <summary>
/// Complete-ProfileMigration and its undo as a role with exactly the grants docs/permissions.md lists (one grant less
/// is refused before anything changes), and in schemas named like an injection.
/// </summary>
public sealed class CompletionAccessTests : IDisposable
{
    private readonly CompletionDb db = new();
    private readonly string suffix = Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => db.Dispose();

    [Theory]
    [InlineData("""REVOKE INSERT ON "_prisma_migrations" FROM @role@""", "SELECT and INSERT on public._prisma_migrations")]
    [InlineData("""ALTER TABLE "Profile" OWNER TO CURRENT_USER; GRANT SELECT, TRIGGER ON "Profile" TO @role@""", "ownership of public.\"Profile\"")]
    [InlineData("""REVOKE CREATE ON SCHEMA matchmade FROM @role@; ALTER SCHEMA matchmade OWNER TO CURRENT_USER; GRANT USAGE ON SCHEMA matchmade TO @role@""", "USAGE and CREATE on schema matchmade")]
    public void Complete_and_undo_work_with_exactly_the_documented_grants_and_one_missing_is_refused_before_anything_changes(string revoke, string named)
    {
        var (cs, asOwner, owner) = OwnedDatabase();
        Assert.Equal(RunStatus.Completed, db.Migrate(asOwner).Status);
        string before;
        using (var c = Open(cs))
        {
            Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Pending"}' WHERE "contextProfileId" = 'cp_qa1_romantic'""");
            Exec(c, revoke.Replace("@role@", owner, StringComparison.Ordinal));
            before = Everything(c);
        }

        var e = Assert.Throws<MatchmadeException>(() => Complete(asOwner));
        Assert.Equal(ErrorIds.PermissionDenied, e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.Contains("docs/permissions.md", e.Message, StringComparison.Ordinal);
        using (var c = Open(cs))
        {
            Assert.Equal(before, Everything(c)); // not even a run in the history
            Exec(c, $"""
                ALTER TABLE "Profile" OWNER TO {owner}; ALTER SCHEMA matchmade OWNER TO {owner};
                GRANT USAGE, CREATE ON SCHEMA matchmade TO {owner}; GRANT INSERT ON "_prisma_migrations" TO {owner};
                """);
        }

        var completed = Complete(asOwner);
        Assert.True(completed.Status == RunStatus.Completed, completed.Message);
        Assert.Equal(1, completed.UsersSynced);
        using (var target = Target(asOwner))
        {
            Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        }

        Assert.Equal(UndoStep.Completion, Undo(asOwner).Step);
        Assert.Equal(MigrationStage.Migrated, Stage(asOwner));
    }

    [Fact]
    public void Undo_of_a_completion_names_every_missing_grant_before_it_changes_anything()
    {
        var (cs, asOwner, owner) = OwnedDatabase();
        Assert.Equal(RunStatus.Completed, db.Migrate(asOwner).Status);
        Assert.Equal(RunStatus.Completed, Complete(asOwner).Status);
        string before;
        using (var c = Open(cs))
        {
            Exec(c, $"""REVOKE CREATE ON SCHEMA public FROM {owner}; REVOKE UPDATE ON "_prisma_migrations" FROM {owner}; ALTER TABLE matchmade."ProfileOld" OWNER TO CURRENT_USER""");
            before = Everything(c);
        }

        var e = Assert.Throws<MatchmadeException>(() => Undo(asOwner));
        Assert.Equal(ErrorIds.PermissionDenied, e.ErrorId);
        Assert.Contains("USAGE and CREATE on schema public", e.Message, StringComparison.Ordinal);
        Assert.Contains("SELECT and UPDATE on public._prisma_migrations", e.Message, StringComparison.Ordinal);
        Assert.Contains("ownership of matchmade.\"ProfileOld\"", e.Message, StringComparison.Ordinal);
        using (var c = Open(cs))
        {
            Assert.Equal(before, Everything(c));
            Exec(c, $"""GRANT CREATE ON SCHEMA public TO {owner}; GRANT UPDATE ON "_prisma_migrations" TO {owner}; ALTER TABLE matchmade."ProfileOld" OWNER TO {owner}""");
        }

        Assert.Equal(UndoStep.Completion, Undo(asOwner).Step);
        Assert.Equal(MigrationStage.Migrated, Stage(asOwner));
    }

    [Fact]
    public void Complete_undo_and_complete_again_in_schemas_named_like_an_injection()
    {
        const string Schema = "App \"x\"; DROP TABLE \"User\"; -- Ü";
        const string State = "Mm State \"; --";
        var cs = TestServer.Shared.CreateDatabase("hostile_complete", Schema);
        try
        {
            using (var c = Open(cs))
            {
                Exec(c, "CREATE TABLE \"App \"\"x\"\"; DROP TABLE \"\"User\"\"; -- Ü\"." + PrismaMigrationsTable.Split("CREATE TABLE ", 2)[1].TrimStart());
                SampleData.LoadQaUsers(c, Schema);
                SampleData.LoadSynthetic(c, 60, seed: 4, schema: Schema);
            }

            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs, Schema = Schema, StateSchema = State });
            Assert.Equal(RunStatus.Completed, new MigrationRunner(target, new MigrationOptions { ReportPath = db.Reports }, new RecordingLog()).Run(CancellationToken.None).Status);
            new AppWriter(cs, Schema).Write(13);
            var first = new CompletionRunner(target, new CompletionOptions(), new RecordingLog()).Run(CancellationToken.None);
            Assert.True(first.Status == RunStatus.Completed, first.Message);
            Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
            Assert.Equal(UndoStep.Completion, UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None).Step);
            // Tracking starts reset after the undo (nothing tracked the app while completed); -Full re-arms it.
            Assert.Equal(["PendingChanges"], new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).Where(r => !r.Passed).Select(r => r.Name));
            Assert.Equal(RunStatus.Completed, new Matchmade.Core.Sync.SyncRunner(target, new Matchmade.Core.Sync.SyncOptions { Full = true, ReportPath = db.Reports }, new RecordingLog()).Run(CancellationToken.None).Status);
            Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
            var again = new CompletionRunner(target, new CompletionOptions(), new RecordingLog()).Run(CancellationToken.None);
            Assert.True(again.Status == RunStatus.Completed, again.Message);

            using var check = Open(cs);
            Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE schemaname = @s AND tablename = 'Profile'", ("s", Schema)));
            Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE schemaname = @s AND tablename = 'ProfileOld'", ("s", State)));
            Assert.Equal(
                Scalar<long>(check, "SELECT count(*) FROM \"App \"\"x\"\"; DROP TABLE \"\"User\"\"; -- Ü\".\"User\""),
                Scalar<long>(check, "SELECT count(*) FROM \"App \"\"x\"\"; DROP TABLE \"\"User\"\"; -- Ü\".\"Profile\""));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            TestServer.Shared.DropDatabase(cs);
        }
    }

    /// <summary>A database whose app tables a login role owns (the app's migration role, the one prisma migrate deploy uses), with the documented grants; it runs the whole lifecycle.</summary>
    private (string Cs, string AsOwner, string Owner) OwnedDatabase()
    {
        var cs = db.New(40, prismaHistory: true);
        var owner = $"mm_owner_{suffix}";
        using (var c = Open(cs))
        {
            var database = new NpgsqlConnectionStringBuilder(cs).Database;
            Exec(c, $"""
                CREATE ROLE {owner} LOGIN PASSWORD 'pw-{suffix}'; REVOKE ALL ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC;
                ALTER TABLE "User" OWNER TO {owner}; ALTER TABLE "ContextProfile" OWNER TO {owner}; ALTER TABLE "Profile" OWNER TO {owner};
                GRANT CONNECT, CREATE ON DATABASE "{database}" TO {owner};
                GRANT USAGE, CREATE ON SCHEMA public TO {owner};
                GRANT SELECT ON "ChatMessage" TO {owner};
                GRANT SELECT, INSERT, UPDATE ON "_prisma_migrations" TO {owner};
                """);
        }

        return (cs, new NpgsqlConnectionStringBuilder(cs) { Username = owner, Password = $"pw-{suffix}" }.ConnectionString, owner);
    }
}
