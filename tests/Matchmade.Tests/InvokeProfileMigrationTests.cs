using System.Management.Automation;
using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Tests;

/// <summary>Invoke-ProfileMigration through the real engine: binding, ShouldProcess, pipeline input, errors, Ctrl+C.</summary>
public sealed class InvokeProfileMigrationTests : IDisposable
{
    private const string Command = "Matchmade.Commands.InvokeProfileMigrationCommand";
    private readonly string reports = Directory.CreateTempSubdirectory("mm-ps-reports-").FullName;
    private readonly List<DatabaseFixture> databases = [];

    public void Dispose()
    {
        databases.ForEach(d => d.Dispose());
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void WhatIf_is_a_dry_run_that_writes_nothing_but_the_report()
    {
        var db = Database(users: 300);
        string before;
        using (var c = db.Open())
        {
            before = WholeDatabaseHash(c);
        }

        using var session = new PowerShellSession();
        var result = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf", db.Url, reports).ThrowOnError();
        var run = Assert.Single(result.Output);
        Assert.Equal("Matchmade.MigrationResult", run.BaseObject.GetType().FullName);
        Assert.Equal("DryRun", run.Properties["Mode"].Value);
        Assert.Equal("Completed", run.Properties["Status"].Value);
        Assert.Equal("WouldCreate", run.Properties["SchemaStep"].Value);
        Assert.Equal(303L, run.Properties["UsersMigrated"].Value);
        Assert.True(File.Exists((string)run.Properties["ReportPath"].Value));
        using var check = db.Open();
        Assert.Equal(before, WholeDatabaseHash(check));
    }

    [Fact]
    public void A_live_run_migrates_everyone_and_a_second_skips_them()
    {
        var db = Database(users: 120);
        using var session = new PowerShellSession();
        var first = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -BatchSize 25 -Confirm:$false -Verbose", db.Url, reports).ThrowOnError();
        var run = Assert.Single(first.Output);
        Assert.Equal("Live", run.Properties["Mode"].Value);
        Assert.Equal(123L, run.Properties["UsersMigrated"].Value);
        Assert.Contains(first.Verbose, v => v.StartsWith("Batch 5: 23 users", StringComparison.Ordinal));
        Assert.Contains(first.Progress, p => p.Activity == "Migrating profiles" && p.StatusDescription.Contains("of 123 users", StringComparison.Ordinal));

        var second = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError();
        Assert.Equal(0L, Assert.Single(second.Output).Properties["UsersMigrated"].Value);
        Assert.Equal(123L, second.Output[0].Properties["UsersSkipped"].Value);
        var status = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", db.Url).ThrowOnError();
        Assert.Equal("Migrated", status.Output[0].Properties["State"].Value);
    }

    [Fact]
    public void Workers_warnings_and_verbose_reach_PowerShell_from_the_pipeline_thread()
    {
        var db = Database(users: 200);
        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -MaxUsers 1 -Confirm:$false", db.Url, reports).ThrowOnError();
        using var app = db.Open();
        using var appTransaction = app.BeginTransaction();
        using (var lockTable = new NpgsqlCommand("LOCK TABLE \"ContextIntent\" IN SHARE MODE", app, appTransaction))
        {
            lockTable.ExecuteNonQuery();
        }

        // The workers hit the app's lock and retry: their warnings are written by the pipeline thread. The lock goes
        // only once a worker has been seen waiting on it for longer than its lock_timeout (1 s), so a retry has
        // happened however slow the machine is (a fixed delay raced the run's start-up under load).
        var release = new Thread(() =>
        {
            using var watcher = db.Open();
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < deadline && Scalar<long>(watcher, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'Matchmade%'") == 0)
            {
                Thread.Sleep(20);
            }

            Thread.Sleep(2500);
            appTransaction.Rollback();
        });
        release.Start();
        var result = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -ThrottleLimit 2 -BatchSize 20 -LockTimeoutSeconds 1 -Confirm:$false -Verbose", db.Url, reports);
        release.Join();
        result.ThrowOnError();
        var run = Assert.Single(result.Output);
        Assert.Equal("Completed", run.Properties["Status"].Value);
        Assert.Equal(202L, run.Properties["UsersMigrated"].Value);
        Assert.Contains(result.Verbose, v => v.StartsWith("2 workers over disjoint ranges", StringComparison.Ordinal));
        Assert.Contains(result.Warnings, w => w.Contains("retry 1 of", StringComparison.Ordinal));
        Assert.Equal(203L, Scalar<long>(app, "SELECT count(*) FROM \"ProfileNew\""));
    }

    [Fact]
    public void User_ids_come_from_the_pipeline_by_property_name()
    {
        var db = Database(users: 20);
        using var session = new PowerShellSession();
        var result = session.Run(
            "@([pscustomobject]@{ UserId = 'user_qa1' }, [pscustomobject]@{ UserId = 'user_qa3' }) | Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false",
            db.Url, reports).ThrowOnError();
        var run = Assert.Single(result.Output);
        Assert.Equal(2L, run.Properties["UsersMigrated"].Value);
        using var c = db.Open();
        Assert.Equal("user_qa1,user_qa3", Scalar<string>(c, "SELECT string_agg(\"userId\", ',' ORDER BY \"userId\") FROM \"ProfileNew\""));
    }

    [Fact]
    public void The_default_report_goes_to_PowerShells_current_location_and_is_never_overwritten()
    {
        var db = Database(users: 5);
        using var session = new PowerShellSession();
        var result = session.Run("$cs = $args[0]; $null = $ExecutionContext.SessionState.Path.SetLocation($args[1]); 1..2 | ForEach-Object { Invoke-ProfileMigration -ConnectionString $cs -WhatIf }", db.Url, reports).ThrowOnError();
        Assert.Equal(2, result.Output.Count);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(Path.Combine(reports, $"migration-report-{date}.json"), result.Output[0].Properties["ReportPath"].Value);
        Assert.Equal(Path.Combine(reports, $"migration-report-{date}-2.json"), result.Output[1].Properties["ReportPath"].Value);
    }

    [Fact]
    public void An_existing_report_file_is_refused_before_anything_is_written()
    {
        var db = Database(users: 5);
        var existing = Path.Combine(reports, "taken.json");
        File.WriteAllText(existing, "{}");
        using var session = new PowerShellSession();
        var result = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, existing);
        var error = Assert.Single(result.AllErrors);
        Assert.Equal($"ReportExists,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("{}", File.ReadAllText(existing));
        using var c = db.Open();
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'ProfileNew'"));
    }

    [Fact]
    public void A_second_run_is_refused_with_the_holder_named()
    {
        var db = Database(users: 5);
        using var holder = db.Open();
        Exec(holder, "SET application_name = 'Matchmade other run'; SELECT pg_advisory_lock(19789, 1835624306)");
        using var session = new PowerShellSession();
        var result = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports);
        var error = Assert.Single(result.AllErrors);
        Assert.Equal($"MigrationInProgress,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceBusy, error.CategoryInfo.Category);
        Assert.Contains("'Matchmade other run'", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {holder.ProcessID}", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stopping_the_pipeline_finishes_the_batch_writes_a_Cancelled_report_and_keeps_the_result()
    {
        var db = Database(users: 3000);
        using var session = new PowerShellSession();
        using var ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddScript("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -BatchSize 20 -Confirm:$false").AddArgument(db.Url).AddArgument(reports);
        using var firstBatch = new ManualResetEventSlim();
        ps.Streams.Progress.DataAdded += (_, _) => firstBatch.Set();
        var pending = ps.BeginInvoke();
        Assert.True(firstBatch.Wait(TimeSpan.FromSeconds(60)), "no progress within 60 s");
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));

        var last = session.Run("$MatchmadeLastRun").ThrowOnError();
        var run = Assert.Single(last.Output);
        Assert.True(run is not null, "no $MatchmadeLastRun; stream errors: " + string.Join("; ", ps.Streams.Error.Select(e => e.ToString())));
        Assert.Equal("Cancelled", run.Properties["Status"].Value);
        var migrated = (long)run.Properties["UsersMigrated"].Value;
        Assert.InRange(migrated, 20, 2980);
        Assert.Equal(0, migrated % 20);
        Assert.Contains("\"status\":\"Cancelled\"", File.ReadAllText((string)run.Properties["ReportPath"].Value), StringComparison.Ordinal);
        using var c = db.Open();
        Assert.Equal(migrated, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal("Cancelled", Scalar<string>(c, "SELECT status FROM matchmade.run"));
    }

    [Fact]
    public void Invalid_parameter_values_are_refused_by_binding()
    {
        var db = Database(users: 1);
        using var session = new PowerShellSession();
        foreach (var bad in new[] { "-BatchSize 0", "-BatchSize 100001", "-MaxUsers 0", "-LockTimeoutSeconds 0" })
        {
            var result = session.Run($"Invoke-ProfileMigration -ConnectionString $args[0] {bad} -WhatIf", db.Url);
            var error = Assert.Single(result.AllErrors);
            Assert.StartsWith("ParameterArgumentValidationError", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_password_in_output_errors_verbose_progress_reports_or_run_history()
    {
        var db = Database(users: 40);
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        var role = "mm_mig_" + Guid.NewGuid().ToString("N")[..8];
        using (var c = db.Open())
        {
            Exec(c, $"CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT ALL ON DATABASE \"{db.Database}\" TO {role}; GRANT ALL ON SCHEMA public TO {role}; GRANT SELECT, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public TO {role}; GRANT USAGE ON TYPE \"RelationshipContextType\" TO {role}");
        }

        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var url = $"postgresql://{role}:{Uri.EscapeDataString(password)}@{b.Host}:{b.Port}/{db.Database}";
        using var session = new PowerShellSession();
        var runs = new[]
        {
            session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf -Verbose -Debug", url, reports),
            session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false -Verbose -BatchSize 7", url, reports),
            session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false -Force -Verbose", url, reports),
            session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false -Schema nope", url, reports),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Verbose", url),
            session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Verbose", url),
            session.Run("Get-MigrationReport -ConnectionString $args[0] -Latest -Verbose", url),
            session.Run("Undo-ProfileMigration -ConnectionString $args[0] -WhatIf -Verbose", url),
            // A wrong password that starts with the right one: the authentication error must echo neither.
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", url.Replace(Uri.EscapeDataString(password) + "@", Uri.EscapeDataString(password) + "x@", StringComparison.Ordinal)),
            session.Run("$Error | ForEach-Object { $_.ToString(); $_.Exception.ToString(); $_.ErrorDetails; $_.TargetObject }"),
        };
        Assert.True(runs[1].Output.Count == 1, string.Join("\n", runs[1].AllErrors.Select(e => e.ToString())));
        Assert.Equal(43L, runs[1].Output.Single().Properties["UsersMigrated"].Value);
        Assert.NotEmpty(runs[3].AllErrors);
        Assert.All(runs[4..7], r => Assert.True(r.Output.Count > 0, string.Join("\n", r.AllErrors.Select(e => e.ToString()))));
        Assert.Empty(runs[7].AllErrors);
        Assert.Equal("AuthenticationFailed", Assert.Single(runs[8].AllErrors).FullyQualifiedErrorId.Split(',')[0]);
        var everything = string.Join("\n", runs.Select(r => r.AllText()))
            + string.Join("\n", Directory.GetFiles(reports).Select(File.ReadAllText));
        using (var c = db.Open())
        {
            everything += Scalar<string>(c, "SELECT string_agg(t::text, E'\\n') FROM matchmade.run t");
        }

        Assert.DoesNotContain(password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(password), everything, StringComparison.Ordinal);
        Assert.Contains(role, everything, StringComparison.Ordinal); // the scan did see the runs' text
    }

    private DatabaseFixture Database(int users)
    {
        var db = DatabaseFixture.CreateFresh("ps_mig");
        databases.Add(db);
        using var c = db.Open();
        SampleData.LoadQaUsers(c);
        if (users > 0)
        {
            SampleData.LoadSynthetic(c, users, seed: 3); // plus the 3 QA users
        }

        return db;
    }
}
