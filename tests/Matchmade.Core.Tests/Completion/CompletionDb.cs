using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Completion;

/// <summary>Databases for the completion tests, the engine's operations on them, and the oracle for "at the cut-over".</summary>
public sealed class CompletionDb : IDisposable
{
    private readonly List<string> databases = [];

    public string Reports { get; } = Directory.CreateTempSubdirectory("mm-complete-").FullName;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var database in databases)
        {
            TestServer.Shared.DropDatabase(database);
        }

        Directory.Delete(Reports, recursive: true);
    }

    /// <summary>The seed's QA users plus <paramref name="users"/> synthetic ones, optionally with Prisma's history table.</summary>
    public string New(int users, bool prismaHistory = false)
    {
        var cs = TestServer.Shared.CreateDatabase("complete");
        databases.Add(cs);
        using var c = Open(cs);
        if (prismaHistory)
        {
            Exec(c, PrismaMigrationsTable);
        }

        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, users, seed: 21);
        return cs;
    }

    public static DatabaseTarget Target(string cs) => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });

    public MigrationOutcome Migrate(string cs, MigrationOptions? options = null)
    {
        using var target = Target(cs);
        return new MigrationRunner(target, (options ?? new MigrationOptions()) with { ReportPath = Reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    public static CompletionOutcome Complete(string cs, CompletionOptions? options = null, RecordingLog? log = null)
    {
        using var target = Target(cs);
        return new CompletionRunner(target, options ?? new CompletionOptions(), log ?? new RecordingLog()).Run(CancellationToken.None);
    }

    /// <summary>What Get-ProfileMigrationStatus says the stage is.</summary>
    public static MigrationStage Stage(string cs)
    {
        using var target = Target(cs);
        return Matchmade.Core.Status.StatusReader.Read(target, CancellationToken.None).Stage;
    }

    public static UndoOutcome Undo(string cs, UndoOptions? options = null, RecordingLog? log = null)
    {
        using var target = Target(cs);
        return UndoRunner.Run(target, options ?? new UndoOptions(), log ?? new RecordingLog(), CancellationToken.None);
    }

    public SyncOutcome Sync(string cs, SyncOptions? options = null)
    {
        using var target = Target(cs);
        return new SyncRunner(target, (options ?? new SyncOptions()) with { ReportPath = Reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    /// <summary>
    /// Run inside the cut-over (under its write lock, the old tables frozen until the commit): keeps the old tables as
    /// they are at the cut-over in schema "snap" (another session reads them; the write lock lets it).
    /// </summary>
    public static void SnapshotOldTables(string cs)
    {
        using var c = Open(cs);
        Exec(c, """
            CREATE SCHEMA snap;
            CREATE TABLE snap."User" AS SELECT * FROM "User";
            CREATE TABLE snap."ContextProfile" AS SELECT * FROM "ContextProfile";
            CREATE TABLE snap."Profile" AS SELECT * FROM "Profile";
            """);
    }

    /// <summary>Every row of a table as text, in id order: equal strings mean equal rows, byte for byte.</summary>
    public static string Rows(NpgsqlConnection c, string table) => Scalar<string>(c, $"SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '') FROM {table} t");

    /// <summary>
    /// What a fresh migration of the old rows as they were at the cut-over (the snapshot) writes: a copy of the
    /// database whose old tables are replaced by the snapshot, everything new dropped, migrated from scratch.
    /// </summary>
    public string FreshMigrationAtCutOver(string cs)
    {
        var copy = CopyOf(cs);
        using (var c = Open(copy))
        {
            Exec(c, """
                DROP TABLE "Profile"; DROP TABLE "ContextIntent"; DROP SCHEMA matchmade CASCADE; DROP TABLE IF EXISTS "_prisma_migrations";
                TRUNCATE "User" CASCADE;
                INSERT INTO "User" SELECT * FROM snap."User";
                INSERT INTO "ContextProfile" SELECT * FROM snap."ContextProfile";
                CREATE TABLE "Profile" (LIKE snap."Profile");
                INSERT INTO "Profile" SELECT * FROM snap."Profile";
                ALTER TABLE "Profile" ADD PRIMARY KEY (id);
                """);
        }

        Assert.Equal(RunStatus.Completed, Migrate(copy, new MigrationOptions { ChangeTracking = false }).Status);
        using var check = Open(copy);
        return NewTablesContentHash(check);
    }

    /// <summary>A copy of the database (CREATE DATABASE … TEMPLATE), dropped with the others.</summary>
    public string CopyOf(string cs)
    {
        var source = new NpgsqlConnectionStringBuilder(cs).Database!;
        var copy = TestServer.Shared.CreateDatabase("copy");
        databases.Add(copy);
        var copyName = new NpgsqlConnectionStringBuilder(copy).Database!;
        NpgsqlConnection.ClearAllPools();
        using var admin = Open(TestServer.Shared.AdminConnectionString);
        Exec(admin, $"DROP DATABASE \"{copyName}\" WITH (FORCE)");
        Exec(admin, $"CREATE DATABASE \"{copyName}\" TEMPLATE \"{source}\"");
        return copy;
    }
}
