using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Topology;

/// <summary>
/// A writing command pointed at a hot standby (a read replica's URL, a failover that swapped the names) can write
/// nothing there, and its run lock there would not keep a run on the primary out. Each refuses at once with one
/// ReadOnlyTransaction error that says it is a standby and to connect to the primary, before anything (a report, the
/// run history) is written; the read-only looks still work.
/// </summary>
public sealed class StandbyWriteTests(StandbyFixture fixture) : IClassFixture<StandbyFixture>, IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-standby-write-").FullName;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void Every_writing_command_on_a_standby_refuses_clearly_before_writing_anything()
    {
        var database = "standby_write_" + Guid.NewGuid().ToString("N")[..8];
        using (var c = Open(fixture.Primary.ConnectionString()))
        {
            Exec(c, $"CREATE DATABASE {database}");
        }

        var primary = fixture.Primary.ConnectionString(database);
        using (var db = Open(primary))
        {
            SourceSchema.Apply(db, "public");
            SampleData.LoadSynthetic(db, 20, seed: 7);
        }

        Assert.Equal(RunStatus.Completed, Run(primary, target => new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None)).Status);
        Directory.Delete(reports, recursive: true);
        Directory.CreateDirectory(reports);
        var standby = fixture.StandbyOnceReplayed(database, "SELECT to_regclass('public.\"ProfileNew\"') IS NOT NULL AND to_regclass('matchmade.run') IS NOT NULL");

        AssertRefused("Invoke-ProfileMigration", () => Run(standby, target => new MigrationRunner(target, new MigrationOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None)));
        AssertRefused("Sync-ProfileMigration", () => Run(standby, target => new SyncRunner(target, new SyncOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None)));
        AssertRefused("Complete-ProfileMigration", () => Run(standby, target => new CompletionRunner(target, new CompletionOptions(), new RecordingLog()).Run(CancellationToken.None)));
        AssertRefused("Undo-ProfileMigration", () => Run(standby, target => UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None)));
        Assert.Empty(Directory.GetFileSystemEntries(reports));

        // The looks that write nothing still work there.
        var dryRun = Run(standby, target => new MigrationRunner(target, new MigrationOptions { ReportPath = reports, DryRun = true }, new RecordingLog()).Run(CancellationToken.None));
        Assert.Equal(RunStatus.Completed, dryRun.Status);
        var preview = Run(standby, target => new CompletionRunner(target, new CompletionOptions { DryRun = true }, new RecordingLog()).Run(CancellationToken.None));
        Assert.True(preview.DryRun);

        // A libpq host list with the standby first: without target_session_attrs the standby answers, and the refusal
        // names it and says how to have the primary chosen; with read-write the run goes to the primary.
        var hosts = HostList(standby, primary);
        var e = Assert.Throws<MatchmadeException>(() => Run(hosts, target => new SyncRunner(target, new SyncOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None)));
        Assert.Equal(ErrorIds.ReadOnlyTransaction, e.ErrorId);
        var answered = new NpgsqlConnectionStringBuilder(standby);
        Assert.Contains($"{answered.Host}:{answered.Port} answered", e.Message, StringComparison.Ordinal);
        Assert.Contains("target_session_attrs=read-write", e.Message, StringComparison.Ordinal);
        var synced = Run(hosts + "&target_session_attrs=read-write", target => new SyncRunner(target, new SyncOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None));
        Assert.Equal(RunStatus.Completed, synced.Status);
    }

    /// <summary>postgresql://user:password@standby:port,primary:port/database?sslmode=disable</summary>
    private static string HostList(string first, string second)
    {
        var a = new NpgsqlConnectionStringBuilder(first);
        var b = new NpgsqlConnectionStringBuilder(second);
        var user = Uri.EscapeDataString(a.Username ?? "postgres") + (a.Password is { } password ? ":" + Uri.EscapeDataString(password) : string.Empty);
        return $"postgresql://{user}@{a.Host}:{a.Port},{b.Host}:{b.Port}/{a.Database}?sslmode=disable";
    }

    private static void AssertRefused(string command, Func<object> work)
    {
        var e = Assert.Throws<MatchmadeException>(work);
        Assert.Equal(ErrorIds.ReadOnlyTransaction, e.ErrorId);
        Assert.StartsWith(command, e.Message, StringComparison.Ordinal);
        Assert.Contains("standby", e.Message, StringComparison.Ordinal);
        Assert.Contains("primary", e.Message, StringComparison.Ordinal);
    }

    private static T Run<T>(string connectionString, Func<DatabaseTarget, T> work)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = connectionString });
        return work(target);
    }
}
