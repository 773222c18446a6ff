using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Rollback;

public sealed class UndoRunnerTests : IDisposable
{
    private readonly string files = Directory.CreateTempSubdirectory("mm-undo-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        databases.ForEach(TestServer.Shared.DropDatabase);
        Directory.Delete(files, recursive: true);
    }

    [Fact]
    public void Undo_drops_the_new_tables_marks_prisma_rolled_back_leaves_the_old_tables_and_a_new_run_works_again()
    {
        var cs = Migrated();
        string old, content;
        using (var c = Open(cs))
        {
            old = OldTablesHash(c);
            content = NewTablesContentHash(c);
        }

        var preview = Undo(cs, new UndoOptions { DryRun = true });
        Assert.False(preview.Dropped);
        Assert.Equal(53, preview.ProfileNewRows);
        using (var c = Open(cs))
        {
            Assert.Equal(2L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
        }

        var backup = Path.Combine(files, "backup.jsonl");
        var outcome = Undo(cs, new UndoOptions { BackupPath = backup });
        Assert.True(outcome.Dropped);
        Assert.Equal(outcome.ProfileNewRows + outcome.ContextIntentRows, outcome.BackupRows);
        var lines = File.ReadAllLines(backup);
        Assert.Equal(outcome.BackupRows, lines.Length);
        Assert.Equal(53, lines.Count(l => JsonDocument.Parse(l).RootElement.GetProperty("table").GetString() == "ProfileNew"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(backup));
        }

        using (var c = Open(cs))
        {
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
            Assert.Equal(old, OldTablesHash(c));
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM \"_prisma_migrations\" WHERE rolled_back_at IS NOT NULL"));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM matchmade.migrated_user"));
        }

        var again = Run(cs);
        Assert.Equal(Schema.SchemaStepOutcome.Created, again.SchemaStep);
        Assert.Equal(53, again.UsersMigrated);
        using var check = Open(cs);
        Assert.Equal(content, NewTablesContentHash(check));
        Assert.Equal("Applied", Schema.SchemaInspector.ReadPrismaMigration(check, new Sql.SchemaNames("public", "matchmade"), true).State.ToString());
    }

    [Fact]
    public void Undo_refuses_rows_the_app_wrote_unless_forced()
    {
        var cs = Migrated();
        using (var c = Open(cs))
        {
            Exec(c, "UPDATE \"ProfileNew\" SET name = 'edited by the app', \"updatedAt\" = now() + interval '1 minute' WHERE \"userId\" = 'user_qa1'");
        }

        var e = Assert.Throws<MatchmadeException>(() => Undo(cs, new UndoOptions()));
        Assert.Equal("ForeignRowsPresent", e.ErrorId);
        Assert.Contains("user_qa1", e.Message, StringComparison.Ordinal);
        using (var c = Open(cs))
        {
            Assert.Equal(2L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
        }

        Assert.True(Undo(cs, new UndoOptions { Force = true }).Dropped);
    }

    [Fact]
    public void Undo_refuses_rows_the_app_inserted_itself_even_with_old_timestamps()
    {
        var cs = Migrated();
        using (var c = Open(cs))
        {
            // A user who signed up after the migration, whose new rows the app wrote itself (no old rows at all).
            Exec(c, """
                INSERT INTO "User" (id, email, "updatedAt") VALUES ('app_user', 'app@matchmade.test', now());
                INSERT INTO "ProfileNew" (id, "userId", "updatedAt", "createdAt") VALUES ('app-profile', 'app_user', '2000-01-01', '2000-01-01');
                INSERT INTO "ContextIntent" (id, "userId", "contextType", "updatedAt", "createdAt") VALUES ('app-intent', 'app_user', 'romantic', '2000-01-01', '2000-01-01');
                """);
        }

        var e = Assert.Throws<MatchmadeException>(() => Undo(cs, new UndoOptions()));
        Assert.Equal("ForeignRowsPresent", e.ErrorId);
        Assert.Contains("1 ProfileNew and 1 ContextIntent rows", e.Message, StringComparison.Ordinal);
        Assert.Contains("app_user", e.Message, StringComparison.Ordinal);
        using (var c = Open(cs))
        {
            Assert.Equal(54L, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        }

        var backup = Path.Combine(files, "forced.jsonl");
        var forced = Undo(cs, new UndoOptions { Force = true, BackupPath = backup });
        Assert.True(forced.Dropped);
        Assert.Equal(54, forced.ProfileNewRows);
        Assert.Contains(File.ReadAllLines(backup), l => l.Contains("app-profile", StringComparison.Ordinal));
    }

    [Fact]
    public void Undo_refuses_while_a_migration_holds_the_lock_and_when_there_is_nothing_to_undo()
    {
        var cs = Migrated();
        using (var holder = Open(cs))
        {
            Exec(holder, $"SELECT pg_advisory_lock({RunLock.ClassId}, {RunLock.ObjectId})");
            var busy = Assert.Throws<MatchmadeException>(() => Undo(cs, new UndoOptions()));
            Assert.Equal("MigrationInProgress", busy.ErrorId);
            Assert.Contains($"pid {holder.ProcessID}", busy.Message, StringComparison.Ordinal);
            Exec(holder, "SELECT pg_advisory_unlock_all()"); // a pooled session would keep holding it
        }

        Undo(cs, new UndoOptions());
        Assert.Equal("NothingToUndo", Assert.Throws<MatchmadeException>(() => Undo(cs, new UndoOptions())).ErrorId);
        // A folder as -BackupPath: a file of its own, named for the database and schema (several databases in one call).
        Assert.Equal(RunStatus.Completed, Run(cs).Status);
        var folder = Directory.CreateDirectory(Path.Combine(files, "backups")).FullName;
        var intoFolder = Undo(cs, new UndoOptions { BackupPath = folder });
        Assert.Equal(folder, Path.GetDirectoryName(intoFolder.BackupPath));
        Assert.Matches(@"^undo-backup-[A-Za-z0-9_]+-public-\d{8}-\d{6}\.jsonl$", Path.GetFileName(intoFolder.BackupPath));
        Assert.Equal(intoFolder.BackupRows, File.ReadAllLines(intoFolder.BackupPath!).Length);
        Assert.True(intoFolder.BackupRows > 0);

        var existing = Path.Combine(files, "exists.jsonl");
        File.WriteAllText(existing, "keep me");
        Assert.Equal("BackupExists", Assert.Throws<MatchmadeException>(() => Undo(cs, new UndoOptions { BackupPath = existing })).ErrorId);
        Assert.Equal("keep me", File.ReadAllText(existing));
    }

    [Fact]
    public void Undo_refuses_a_view_or_foreign_key_on_the_new_tables_naming_them_and_changes_nothing()
    {
        var cs = Migrated();
        using (var c = Open(cs))
        {
            // A DBA's (or the app's) objects on the new tables: DROP TABLE would refuse them deep in the undo.
            Exec(c, """CREATE VIEW "ProfileLocations" AS SELECT "userId", location FROM "ProfileNew" """);
            Exec(c, """CREATE TABLE "IntentNote" (id text PRIMARY KEY, "intentId" text REFERENCES "ContextIntent"(id))""");
        }

        string before;
        using (var c = Open(cs))
        {
            before = Matchmade.Tests.Shared.DbCatalog.Everything(c);
        }

        foreach (var options in new[] { new UndoOptions { DryRun = true }, new UndoOptions(), new UndoOptions { Force = true } })
        {
            var refused = Assert.Throws<MatchmadeException>(() => Undo(cs, options));
            Assert.Equal("NewTablesHaveDependents", refused.ErrorId);
            Assert.Equal(FailureKind.InvalidOperation, refused.Kind);
            Assert.Contains("view or rule \"ProfileLocations\"", refused.Message, StringComparison.Ordinal);
            Assert.Contains("foreign key \"IntentNote_intentId_fkey\" of \"IntentNote\"", refused.Message, StringComparison.Ordinal);
            Assert.EndsWith("then undo again.", refused.Message, StringComparison.Ordinal);
        }

        using (var c = Open(cs))
        {
            Assert.Equal(before, Matchmade.Tests.Shared.DbCatalog.Everything(c));
            Exec(c, """DROP VIEW "ProfileLocations"; DROP TABLE "IntentNote" """);
        }

        Assert.True(Undo(cs, new UndoOptions()).Dropped);
    }

    private string Migrated()
    {
        var cs = TestServer.Shared.CreateDatabase("undo");
        databases.Add(cs);
        using (var c = Open(cs))
        {
            Exec(c, PrismaMigrationsTable);
            SampleData.LoadQaUsers(c);
            SampleData.LoadSynthetic(c, 50, seed: 4);
        }

        Assert.Equal(RunStatus.Completed, Run(cs).Status);
        return cs;
    }

    private MigrationOutcome Run(string cs)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        return new MigrationRunner(target, new MigrationOptions { ReportPath = files }, new RecordingLog()).Run(CancellationToken.None);
    }

    private static UndoOutcome Undo(string cs, UndoOptions options)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        return UndoRunner.Run(target, options, new RecordingLog(), CancellationToken.None);
    }
}
