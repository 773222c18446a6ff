using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Pester.Tests;

/// <summary>
/// The gate users run in their CI (tests/pester/Matchmade.Gate.Tests.ps1), run by Invoke-Pester in real pwsh: clean
/// after a full run, after the completion and after the archive's removal (the reconciliation then skipped, not
/// failed); failing, naming the check, after one tampered value; failing while users are left to migrate; naming the
/// run that failed and what to run. The database it checks: a container's -Data first, else the module's own default
/// (DIRECT_URL, else DATABASE_URL); none at all fails saying what to set.
/// </summary>
public sealed class GateSuiteTests : IClassFixture<GateSuiteTests.MigratedDatabases>
{
    private static readonly string Gate = Path.Combine(PwshRun.RepoRoot, "tests", "pester", "Matchmade.Gate.Tests.ps1");
    private readonly MigratedDatabases databases;

    public GateSuiteTests(MigratedDatabases databases) => this.databases = databases;

    [Fact]
    public void The_gate_passes_after_a_full_run()
    {
        var outcome = RunGate(databases.Migrated, "migrated: expected to pass");
        Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0, outcome.Describe());
        Assert.Equal(5, outcome.Passed);
    }

    [Fact]
    public void The_gate_fails_naming_the_check_after_one_tampered_value()
    {
        var tampered = TestServer.Shared.CloneDatabase(Name(databases.Migrated), "gate_tampered");
        try
        {
            using (var connection = SampleDatabases.Open(tampered))
            using (var update = new NpgsqlCommand("""UPDATE "ProfileNew" SET "location" = 'Atlantis' WHERE "userId" = (SELECT min("userId") FROM "ProfileNew")""", connection))
            {
                Assert.Equal(1, update.ExecuteNonQuery());
            }

            var outcome = RunGate(tampered, "one tampered value: expected to fail");
            var failure = Assert.Single(outcome.Failures);
            Assert.Contains("passes every integrity check", failure.Name, StringComparison.Ordinal);
            Assert.Contains("Reconciliation", failure.Message, StringComparison.Ordinal);
            Assert.NotEqual(0, outcome.ExitCode);
        }
        finally
        {
            TestServer.Shared.DropDatabase(tampered);
        }
    }

    [Fact]
    public void The_gate_passes_after_the_completion()
    {
        var completed = TestServer.Shared.CloneDatabase(Name(databases.Migrated), "gate_completed");
        try
        {
            // Completed with the archive kept: every check still runs (against the archive), every user has its Profile.
            var complete = PwshRun.Command(
                "Complete-ProfileMigration -ConnectionString $env:DATABASE_URL -Confirm:$false | Out-Null",
                new Dictionary<string, string?> { ["DATABASE_URL"] = SampleDatabases.Url(completed) },
                PwshRun.RepoRoot);
            Assert.True(complete.ExitCode == 0, complete.All);

            var outcome = RunGate(completed, "completed: expected to pass");
            Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0, outcome.Describe());
            Assert.Equal(5, outcome.Passed);
        }
        finally
        {
            TestServer.Shared.DropDatabase(completed);
        }
    }

    [Fact]
    public void The_gate_passes_a_check_passed_with_a_warning_and_shows_the_warning()
    {
        var untracked = TestServer.Shared.CloneDatabase(Name(databases.Migrated), "gate_untracked");
        try
        {
            // Tracking's trigger disabled: PendingChanges passes (nothing pending it could know of) at Warning severity.
            using (var connection = SampleDatabases.Open(untracked))
            using (var disable = new NpgsqlCommand("""ALTER TABLE "Profile" DISABLE TRIGGER matchmade_record_change""", connection))
            {
                disable.ExecuteNonQuery();
            }

            var outcome = RunGate(untracked, "tracking disabled: expected to pass, with the warning shown");
            Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0, outcome.Describe());
            Assert.Contains("PendingChanges passed with a warning: Change tracking is not installed", outcome.Output, StringComparison.Ordinal);
        }
        finally
        {
            TestServer.Shared.DropDatabase(untracked);
        }
    }

    [Fact]
    public void The_gate_passes_after_the_archive_is_removed_and_says_what_it_could_not_check()
    {
        var removed = TestServer.Shared.CloneDatabase(Name(databases.Migrated), "gate_archive_removed");
        try
        {
            // Completed, then the archive removed (-Force: before its 7 days): the reconciliation has no old rows to
            // compare with, so Test-MigrationIntegrity reports it Skipped (not passed); nothing is wrong with the data.
            var complete = PwshRun.Command(
                "Complete-ProfileMigration -ConnectionString $env:DATABASE_URL -Confirm:$false | Out-Null; Complete-ProfileMigration -ConnectionString $env:DATABASE_URL -RemoveArchive -Force -Confirm:$false | Out-Null",
                new Dictionary<string, string?> { ["DATABASE_URL"] = SampleDatabases.Url(removed) },
                PwshRun.RepoRoot);
            Assert.True(complete.ExitCode == 0, complete.All);

            var outcome = RunGate(removed, "archive removed: expected to pass, the reconciliation skipped");
            Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0, outcome.Describe());
            Assert.Equal(4, outcome.Passed);
            Assert.Contains("passes every integrity check is skipped", outcome.Output, StringComparison.Ordinal);
            Assert.Contains("Reconciliation: Not run: Complete-ProfileMigration -RemoveArchive", outcome.Output, StringComparison.Ordinal);
        }
        finally
        {
            TestServer.Shared.DropDatabase(removed);
        }
    }

    [Fact]
    public void The_gate_fails_while_users_are_left_to_migrate()
    {
        var outcome = RunGate(databases.Canary, "users left to migrate: expected to fail");
        Assert.Contains(outcome.Failures, f => f.Name.Contains("has every user migrated", StringComparison.Ordinal));
        Assert.NotEqual(0, outcome.ExitCode);
    }

    [Fact]
    public void The_gate_says_which_run_failed_and_what_to_run()
    {
        var failed = TestServer.Shared.CloneDatabase(Name(databases.Migrated), "gate_failed_run");
        try
        {
            // The run history as if the live run had stopped, then as if it had finished with failed users.
            var outcome = RunGateAfter(failed, "UPDATE matchmade.run SET status = 'Failed', message = 'simulated stop'", "latest run failed: expected to fail");
            var run = Assert.Single(outcome.Failures);
            Assert.Contains("has a latest run that completed without errors", run.Name, StringComparison.Ordinal);
            Assert.Contains("Live run", run.Message, StringComparison.Ordinal);
            Assert.Contains("simulated stop", run.Message, StringComparison.Ordinal);
            Assert.Contains("run Invoke-ProfileMigration", run.Message, StringComparison.Ordinal);

            outcome = RunGateAfter(failed, "UPDATE matchmade.run SET status = 'Completed', message = NULL, errors = 2, users_failed = 2", "latest run with errors: expected to fail");
            run = Assert.Single(outcome.Failures);
            Assert.Contains("2 errors", run.Message, StringComparison.Ordinal);
            Assert.Contains("Get-MigrationReport -Latest -Kind Error", run.Message, StringComparison.Ordinal);
        }
        finally
        {
            TestServer.Shared.DropDatabase(failed);
        }
    }

    private static PesterOutcome RunGateAfter(string connectionString, string sql, string situation)
    {
        using (var connection = SampleDatabases.Open(connectionString))
        using (var update = new NpgsqlCommand(sql, connection))
        {
            Assert.Equal(1, update.ExecuteNonQuery());
        }

        return RunGate(connectionString, situation);
    }

    [Fact]
    public void The_gate_checks_the_database_its_container_names()
    {
        // DATABASE_URL names the migrated database, the container the canary: a DBA gating several databases with one
        // container each must get the canary's verdict, not DATABASE_URL's.
        var outcome = PesterHost.Run(
            Gate,
            new Dictionary<string, string?> { ["DATABASE_URL"] = SampleDatabases.Url(databases.Migrated) },
            "container names the canary, DATABASE_URL the migrated one: expected to fail",
            new Dictionary<string, string> { ["ConnectionString"] = SampleDatabases.Url(databases.Canary) });
        Assert.NotEqual(0, outcome.ExitCode);

        // Every failure names the database it judged: with one container per database, the log alone says which failed.
        Assert.Contains(outcome.Failures, f => f.Name.Contains("has every user migrated", StringComparison.Ordinal));
        Assert.All(outcome.Failures, f => Assert.Contains("/" + Name(databases.Canary), f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_gate_checks_the_schema_its_container_names()
    {
        var outcome = PesterHost.Run(
            Gate,
            new Dictionary<string, string?>(),
            "container names a schema without the app's tables: expected to fail",
            new Dictionary<string, string> { ["ConnectionString"] = SampleDatabases.Url(databases.Migrated), ["Schema"] = "nosuch" });
        var status = Assert.Single(outcome.Failures, f => f.Name.Contains("has every user migrated", StringComparison.Ordinal));
        Assert.Contains("Schema 'nosuch'", status.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, outcome.ExitCode);
    }

    [Fact]
    public void The_gate_takes_DIRECT_URL_first_as_the_module_does()
    {
        // Prisma behind a pooler: DIRECT_URL is the direct connection, which every Matchmade cmdlet takes first. Here
        // DATABASE_URL names the canary (users left to migrate), DIRECT_URL the migrated database.
        var outcome = PesterHost.Run(
            Gate,
            new Dictionary<string, string?> { ["DIRECT_URL"] = SampleDatabases.Url(databases.Migrated), ["DATABASE_URL"] = SampleDatabases.Url(databases.Canary) },
            "DIRECT_URL migrated, DATABASE_URL the canary: expected to pass");
        Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0, outcome.Describe());
        Assert.Equal(5, outcome.Passed);
    }

    [Fact]
    public void The_gate_without_a_database_fails_saying_what_to_set()
    {
        var outcome = PesterHost.Run(Gate, new Dictionary<string, string?>(), "no database given: expected to fail");
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Equal(1, outcome.Passed); // the import
        var missing = Assert.Single(outcome.Failures, f => f.Name.Contains("has a database to check", StringComparison.Ordinal));
        Assert.Contains("$env:DATABASE_URL", missing.Message, StringComparison.Ordinal);
        Assert.Contains("New-PesterContainer -Data", missing.Message, StringComparison.Ordinal);

        // The checks that need the database fail with the module's own advice, not a parameter-binding error.
        Assert.All(
            outcome.Failures.Where(f => f != missing),
            f => Assert.Contains("No database given", f.Message, StringComparison.Ordinal));
        Assert.Equal(4, outcome.Failures.Count);
    }

    private static PesterOutcome RunGate(string connectionString, string situation) =>
        PesterHost.Run(Gate, new Dictionary<string, string?> { ["DATABASE_URL"] = SampleDatabases.Url(connectionString) }, situation);

    private static string Name(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString).Database!;

    /// <summary>Two clones of the sample template: one migrated in full, one after a 100-user canary (migrated in real pwsh).</summary>
    public sealed class MigratedDatabases : IDisposable
    {
        private readonly string work = Directory.CreateTempSubdirectory("mm-gate-").FullName;

        public MigratedDatabases()
        {
            Migrated = SampleDatabases.Clone("gate_migrated");
            Canary = SampleDatabases.Clone("gate_canary");
            var result = PwshRun.Command(
                "Invoke-ProfileMigration -ConnectionString $env:FULL -Confirm:$false | Out-Null; Invoke-ProfileMigration -ConnectionString $env:CANARY -MaxUsers 100 -Confirm:$false | Out-Null",
                new Dictionary<string, string?> { ["FULL"] = SampleDatabases.Url(Migrated), ["CANARY"] = SampleDatabases.Url(Canary) },
                work);
            Assert.True(result.ExitCode == 0, result.All);

            // CREATE DATABASE ... TEMPLATE needs nobody connected to the migrated one: the run's connections are gone with pwsh.
            NpgsqlConnection.ClearAllPools();
        }

        public string Migrated { get; }

        public string Canary { get; }

        public void Dispose()
        {
            TestServer.Shared.DropDatabase(Migrated);
            TestServer.Shared.DropDatabase(Canary);
            Directory.Delete(work, recursive: true);
        }
    }
}
