using System.Management.Automation;
using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Tests;

/// <summary>Test-MigrationIntegrity, Get-MigrationReport and Undo-ProfileMigration through the engine, as a runbook runs them.</summary>
public sealed class VerifyReportUndoTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-ps-vru-").FullName;
    private readonly DatabaseFixture db = DatabaseFixture.CreateFresh("ps_vru");

    public VerifyReportUndoTests()
    {
        using var c = db.Open();
        Exec(c, PrismaMigrationsTable);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 200, seed: 8);
    }

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void The_runbook_migrate_verify_report_undo_and_migrate_again()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        var reportPath = (string)run.Properties["ReportPath"].Value;

        var checks = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError();
        Assert.Equal(17, checks.Output.Count);
        Assert.All(checks.Output, o => Assert.Equal("Matchmade.IntegrityCheck", o.BaseObject.GetType().FullName));
        Assert.All(checks.Output, o => Assert.True((bool)o.Properties["Passed"].Value, $"{o.Properties["Name"].Value}: {o.Properties["Detail"].Value}"));
        Assert.Equal(true, Assert.Single(session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Quiet", db.Url).ThrowOnError().Output).BaseObject);

        var subset = session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Check Schema, UsersWithoutProfile", db.Url).ThrowOnError();
        Assert.Equal(["UsersWithoutProfile", "Schema"], subset.Output.Select(o => (string)o.Properties["Name"].Value));
        var completion = session.Run("(TabExpansion2 -inputScript 'Test-MigrationIntegrity -Check Recon' -cursorColumn 36).CompletionMatches.CompletionText").ThrowOnError();
        Assert.Equal(["Reconciliation"], completion.Output.Select(o => o.ToString()));

        // The report: summary and findings, from the file (by pipeline) and from the run history.
        var piped = session.Run("$args[0] | Get-MigrationReport -Kind Summary", run).ThrowOnError().Output.Single();
        Assert.Equal(reportPath, piped.Properties["Path"].Value);
        var conflicts = session.Run("[pscustomobject]@{ FullName = $args[0] } | Get-MigrationReport -Kind Conflict | Where-Object Field -like 'beliefs.*'", reportPath).ThrowOnError();
        Assert.NotEmpty(conflicts.Output);
        Assert.All(conflicts.Output, o => Assert.Equal("Conflict", o.Properties["Kind"].Value.ToString()));
        var summary = session.Run("Get-MigrationReport -ConnectionString $args[0] -Latest -Kind Summary", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Completed", summary.Properties["Status"].Value);
        Assert.Equal(run.Properties["UsersMigrated"].Value, summary.Properties["UsersMigrated"].Value);
        Assert.Equal(run.Properties["RunId"].Value, summary.Properties["RunId"].Value);
        var byDefault = session.Run("$null = $ExecutionContext.SessionState.Path.SetLocation($args[0]); Get-MigrationReport -Kind Summary", reports).ThrowOnError().Output.Single();
        Assert.Equal(reportPath, byDefault.Properties["Path"].Value);
        var qa1 = session.Run("Get-MigrationReport -Path $args[0] -UserId user_qa1 -Kind UnmappedField", reportPath).ThrowOnError();
        Assert.Equal(["intent", "preferences", "dealbreakers"], qa1.Output.Select(o => (string)o.Properties["Field"].Value));
        // A dry run has no history row: piped on, its result is read from its report file.
        var dryRun = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf | Get-MigrationReport -Kind Summary", db.Url, reports).ThrowOnError().Output.Single();
        Assert.Equal("DryRun", dryRun.Properties["Mode"].Value);

        // Damage found: -Quiet says false, the failing check names the user.
        using (var c = db.Open())
        {
            Exec(c, "UPDATE \"ProfileNew\" SET location = 'Paris' WHERE \"userId\" = 'user_qa1'");
        }

        Assert.Equal(false, Assert.Single(session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Quiet", db.Url).ThrowOnError().Output).BaseObject);
        var failing = session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Check Reconciliation -UserId user_qa1", db.Url);
        Assert.Contains("1 integrity check(s) failed", Assert.Single(failing.Warnings), StringComparison.Ordinal);
        Assert.Contains("user_qa1.location", (string)failing.Output.Single().Properties["Detail"].Value, StringComparison.Ordinal);

        // Undo: the hand edit above left updatedAt alone and is refused all the same, -WhatIf too (issue 16); so is the
        // app's edit (a changed updatedAt); -WhatIf drops nothing; -Force drops.
        var whatIf = session.Run("Undo-ProfileMigration -ConnectionString $args[0] -WhatIf", db.Url);
        Assert.Empty(whatIf.Output);
        Assert.Equal("ForeignRowsPresent,Matchmade.Commands.UndoProfileMigrationCommand", Assert.Single(whatIf.AllErrors).FullyQualifiedErrorId);
        using (var c = db.Open())
        {
            Assert.Equal(2L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
            Exec(c, "UPDATE \"ProfileNew\" SET \"updatedAt\" = now() + interval '1 hour' WHERE \"userId\" = 'user_qa1'");
        }

        var refused = session.Run("Undo-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url);
        var error = Assert.Single(refused.AllErrors);
        Assert.Equal("ForeignRowsPresent,Matchmade.Commands.UndoProfileMigrationCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        var undone = session.Run("Undo-ProfileMigration -ConnectionString $args[0] -Force -Confirm:$false", db.Url).ThrowOnError().Output.Single();
        Assert.Equal(true, undone.Properties["Dropped"].Value);
        Assert.Equal("RolledBack", undone.Properties["PrismaMigration"].Value);
        Assert.Equal("NotStarted", session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", db.Url).ThrowOnError().Output.Single().Properties["State"].Value);

        var again = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        Assert.Equal(run.Properties["UsersMigrated"].Value, again.Properties["UsersMigrated"].Value);
        Assert.Equal(true, Assert.Single(session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Quiet", db.Url).ThrowOnError().Output).BaseObject);
    }

    [Fact]
    public void Latest_after_a_completion_reads_its_final_syncs_findings_from_the_journal_and_verbose_says_why()
    {
        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError();
        using (var c = db.Open())
        {
            // The app changes user_qa1 (unmapped keys intent, preferences, dealbreakers): the completion's final sync re-merges it.
            Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Pending"}' WHERE "contextProfileId" = 'cp_qa1_romantic'""");
        }

        var done = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url).ThrowOnError().Output.Single();
        Assert.Equal(1L, done.Properties["UsersSynced"].Value);

        var latest = session.Run("Get-MigrationReport -ConnectionString $args[0] -Latest -Kind UnmappedField -Verbose", db.Url).ThrowOnError();
        Assert.Equal(["intent", "preferences", "dealbreakers"], latest.Output.Select(o => (string)o.Properties["Field"].Value));
        var said = Assert.Single(latest.Verbose, v => v.Contains("findings journal", StringComparison.Ordinal));
        Assert.Contains($"Run {done.Properties["RunId"].Value} is a completion (Complete-ProfileMigration), which writes no report file", said, StringComparison.Ordinal);
        Assert.Contains("its final sync", said, StringComparison.Ordinal);
        Assert.DoesNotContain("has no report file", said, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_report_file_is_one_clear_error()
    {
        var path = Path.Combine(reports, "migration-report-broken.json");
        File.WriteAllText(path, "{\"schemaVersion\":1,\"kind\":\"matchmade.migration-report\",\"run\":{\"status\":\"Com");
        using var session = new PowerShellSession();
        var result = session.Run("Get-MigrationReport -Path $args[0]", path);
        Assert.Empty(result.Output);
        var error = Assert.Single(result.AllErrors);
        Assert.Equal("ReportCorrupt,Matchmade.Commands.GetMigrationReportCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
    }
}
