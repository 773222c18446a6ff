using System.Diagnostics;
using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;
using static Matchmade.Tests.Shared.DbCatalog;

namespace Matchmade.Tests;

/// <summary>
/// Complete-ProfileMigration in a pwsh process of its own, killed in the middle of its cut-over: while it waits for
/// the write lock (its transaction begun) and while it holds the write lock and waits for the
/// exclusive one. The client process is killed (SIGKILL), or its backend terminated (pg_terminate_backend). Either
/// way nothing changed: the transition's tables and rows, Prisma's view (target.prisma) and change tracking are as
/// before, and the next completion works.
/// </summary>
public sealed class CompletionKillTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-ps-kill-").FullName;
    private readonly DatabaseFixture db = DatabaseFixture.CreateFresh("ps_kill");

    public CompletionKillTests()
    {
        using var c = db.Open();
        Exec(c, PrismaMigrationsTable);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 60, seed: 8);
    }

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    [Theory]
    [InlineData("IN SHARE ROW EXCLUSIVE MODE", "client")]
    [InlineData("IN SHARE ROW EXCLUSIVE MODE", "backend")]
    [InlineData("IN ACCESS EXCLUSIVE MODE", "client")]
    [InlineData("IN ACCESS EXCLUSIVE MODE", "backend")]
    public void A_completion_killed_at_its_locks_changes_nothing_and_the_next_one_works(string waitingFor, string kill)
    {
        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError();
        using var c = db.Open();
        Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Pending at the cut-over"}' WHERE id = (SELECT min(id) FROM "Profile" WHERE jsonb_typeof(data) = 'object')""");
        var before = Everything(c, history: false);
        var others = Scalar<int[]>(c, "SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity WHERE application_name LIKE 'Matchmade%'");

        // The app holds a lock the cut-over's next step needs: it waits there (lock_timeout 300 s).
        using var app = db.Open();
        Exec(app, waitingFor.Contains("SHARE ROW", StringComparison.Ordinal)
            ? """BEGIN; LOCK TABLE "User" IN ROW EXCLUSIVE MODE"""
            : """BEGIN; LOCK TABLE "ProfileNew" IN ACCESS SHARE MODE""");
        using var client = StartCompletion();
        var pid = WaitForLockWait(c, waitingFor, client);
        if (waitingFor.Contains("ACCESS", StringComparison.Ordinal))
        {
            Assert.Equal(1L, Scalar<long>(c, """SELECT count(*) FROM pg_locks WHERE pid = @p AND relation = '"User"'::regclass AND mode = 'ShareRowExclusiveLock' AND granted""", ("p", pid)));
        }

        if (kill == "client")
        {
            client.Kill(entireProcessTree: true); // SIGKILL: nothing of the client can clean up
        }
        else
        {
            Assert.True(Scalar<bool>(c, "SELECT pg_terminate_backend(@p)", ("p", pid)));
        }

        Assert.True(client.WaitForExit(120_000), "the client did not end");
        if (kill == "backend")
        {
            Assert.True(client.ExitCode != 0, client.StandardOutput.ReadToEnd() + client.StandardError.ReadToEnd());
        }

        Exec(app, "ROLLBACK"); // a killed client's backend gets its lock now, cannot answer, and rolls back
        WaitUntilGone(c, others);
        Assert.Equal(before, Everything(c, history: false));
        Assert.Equal("Migrated", session.Run("(Get-ProfileMigrationStatus -ConnectionString $args[0]).Stage", db.Url).ThrowOnError().Output.Single().ToString());
        Assert.NotEqual("Completed", Scalar<string>(c, "SELECT status FROM matchmade.run WHERE mode = 'Complete' ORDER BY started_at DESC LIMIT 1"));

        var done = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Completed", done.Properties["Status"].Value);
        Assert.Equal(1L, done.Properties["UsersSynced"].Value);
        var checks = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError();
        Assert.All(checks.Output, o => Assert.True((bool)o.Properties["Passed"].Value, $"{o.Properties["Name"].Value}: {o.Properties["Detail"].Value}"));
    }

    private Process StartCompletion()
    {
        var info = Pwsh.StartInfo(["-Command", "$ErrorActionPreference = 'Stop'; Import-Module -Name $env:MATCHMADE_MODULE; Complete-ProfileMigration -ConnectionString $env:MM_URL -LockTimeoutSeconds 300 -Confirm:$false"]);
        info.Environment["MATCHMADE_MODULE"] = PowerShellSession.ModuleManifest;
        info.Environment["MM_URL"] = db.Url;
        info.Environment["DATABASE_URL"] = null;
        info.Environment["NO_COLOR"] = "1";
        return Process.Start(info)!;
    }

    /// <summary>The client's backend waiting for the named lock (the gates and the earlier steps done).</summary>
    private static int WaitForLockWait(NpgsqlConnection c, string waitingFor, Process client)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !client.HasExited)
        {
            var pid = Scalar<int?>(c, """
                SELECT min(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND application_name LIKE 'Matchmade%' AND wait_event_type = 'Lock' AND query LIKE '%' || @q || '%'
                """, ("q", waitingFor));
            if (pid is { } waiting)
            {
                return waiting;
            }

            Thread.Sleep(100);
        }

        throw new Xunit.Sdk.XunitException($"The completion never waited for the lock {waitingFor} (client exited: {client.HasExited}, {(client.HasExited ? client.StandardError.ReadToEnd() : string.Empty)}).");
    }

    /// <summary>Until every Matchmade backend the client opened has ended (its run lock included).</summary>
    private static void WaitUntilGone(NpgsqlConnection c, int[] others)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Scalar<long>(c, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'Matchmade%' AND NOT pid = ANY(@others)", ("others", others)) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the killed completion's backends did not end");
            Thread.Sleep(100);
        }
    }
}
