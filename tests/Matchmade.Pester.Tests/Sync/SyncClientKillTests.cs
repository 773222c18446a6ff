using System.Diagnostics;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Pester.Tests.Sync;

/// <summary>
/// The sync's client killed (SIGKILL of a real pwsh process running Sync-ProfileMigration) at random moments over many
/// changed users; then one sync brings the new tables to what a fresh migration of the old tables as they are now
/// writes (ids and timestamps aside), and Test-MigrationIntegrity passes. (Backend kills: tests/Matchmade.Core.Tests/Sync.)
/// </summary>
public sealed class SyncClientKillTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("mm-synckill-").FullName;
    private readonly string database = SampleDatabases.Clone("synckill");
    private readonly List<string> copies = [];

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var copy in copies.Append(database))
        {
            TestServer.Shared.DropDatabase(copy);
        }

        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public void Killed_sync_clients_leave_whole_users_and_the_next_sync_equals_a_fresh_migration()
    {
        Run("Invoke-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath $PWD -Confirm:$false | Out-Null", database);
        var random = new Random(5);
        var killed = 0;
        for (var round = 0; round < 3; round++)
        {
            using (var c = Open(database))
            {
                Exec(c, """
                    UPDATE "Profile" SET data = CASE WHEN jsonb_typeof(data) = 'object' THEN data ELSE '{}' END || jsonb_build_object('round', random());
                    UPDATE "ContextProfile" SET "createdAt" = "createdAt" - interval '1 hour' WHERE random() < 0.2;
                    DELETE FROM "User" WHERE id IN (SELECT id FROM "User" ORDER BY random() LIMIT 5);
                    INSERT INTO "User" (id, email, "updatedAt") SELECT 'k' || g || '-' || (random() * 1e9)::bigint, 'k' || g || '-' || (random() * 1e9)::bigint || '@example.com', now() FROM generate_series(1, 5) g;
                    """);
            }

            long syncs;
            using (var c = Open(database))
            {
                syncs = Scalar<long>(c, "SELECT count(*) FROM matchmade.run WHERE mode = 'Sync'");
            }

            var info = Pwsh.StartInfo(["-Command", "$ErrorActionPreference = 'Stop'; Import-Module -Name $env:MATCHMADE_MODULE; Sync-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath $PWD -BatchSize 5 -Confirm:$false"]);
            info.WorkingDirectory = work;
            PwshRun.Apply(info, SampleDatabases.SuiteEnvironment(database));
            using var client = Process.Start(info)!;
            client.StandardInput.Close();
            _ = client.StandardOutput.ReadToEndAsync();
            _ = client.StandardError.ReadToEndAsync();
            // A random moment after this sync began (its run row is there).
            using (var c = Open(database))
            {
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (!client.HasExited && DateTime.UtcNow < deadline
                       && Scalar<long>(c, "SELECT count(*) FROM matchmade.run WHERE mode = 'Sync'") == syncs)
                {
                    Thread.Sleep(20);
                }
            }

            Thread.Sleep(random.Next(0, 500));
            if (!client.HasExited)
            {
                client.Kill(); // SIGKILL: no cleanup, the server only sees the connections drop
                killed++;
            }

            client.WaitForExit();
        }

        Assert.True(killed > 0, "every sync finished before its kill");
        var sync = Run("'PENDING=' + (Sync-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath $PWD -Confirm:$false).PendingUsers; 'INTEGRITY=' + (Test-MigrationIntegrity -ConnectionString $env:MATCHMADE_TEST_URL -Quiet)", database);
        Assert.Contains("PENDING=0", sync.Output, StringComparison.Ordinal);
        Assert.Contains("INTEGRITY=True", sync.Output, StringComparison.Ordinal);
        Assert.Equal(FreshMigrationHash(), Hash(database));
    }

    /// <summary>A copy of the database (CREATE DATABASE … TEMPLATE) with its new tables and tracking undone, migrated again.</summary>
    private string FreshMigrationHash()
    {
        NpgsqlConnection.ClearAllPools();
        var copy = TestServer.Shared.CloneDatabase(new NpgsqlConnectionStringBuilder(database).Database!, "synckillfresh");
        copies.Add(copy);
        Run("Undo-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -Force -Confirm:$false | Out-Null; Invoke-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -NoChangeTracking -ReportPath $PWD -Confirm:$false | Out-Null", copy);
        return Hash(copy);
    }

    private static string Hash(string connectionString)
    {
        using var c = Open(connectionString);
        return NewTablesContentHash(c);
    }

    private PwshResult Run(string script, string connectionString)
    {
        var result = PwshRun.Command(script, SampleDatabases.SuiteEnvironment(connectionString), work);
        Assert.True(result.ExitCode == 0, result.All);
        return result;
    }
}
