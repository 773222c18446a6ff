using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Tests;

/// <summary>The whole lifecycle through the engine, as a runbook runs it: migrate, sync, complete, undo, complete again.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-ps-life-").FullName;
    private readonly DatabaseFixture db = DatabaseFixture.CreateFresh("ps_life");

    public LifecycleTests()
    {
        using var c = db.Open();
        Exec(c, PrismaMigrationsTable);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 60, seed: 5);
    }

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void Migrate_sync_complete_undo_and_complete_again()
    {
        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError();
        using (var c = db.Open())
        {
            Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE id = (SELECT min(id) FROM "Profile" WHERE jsonb_typeof(data) = 'object')""");
        }

        Assert.Equal("Migrated", session.Run("(Get-ProfileMigrationStatus -ConnectionString $args[0]).Stage", db.Url).ThrowOnError().Output.Single().ToString());
        var plan = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -WhatIf", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Matchmade.CompletionResult", plan.BaseObject.GetType().FullName);
        Assert.Equal("CompleteWhatIf", plan.Properties["Mode"].Value);
        Assert.All((string[])plan.Properties["Gates"].Value, g => Assert.Contains(": Passed", g, StringComparison.Ordinal));

        var done = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Completed", done.Properties["Status"].Value);
        Assert.Equal(1L, done.Properties["UsersSynced"].Value);
        Assert.Equal("Applied", done.Properties["PrismaMigration"].Value);
        var status = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Completed", status.Properties["Stage"].Value);
        Assert.Equal(true, status.Properties["ArchivePresent"].Value);

        // After the completion: the renamed tables against cleanup.prisma, every user reconciled with the archive.
        var completed = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError();
        Assert.All(completed.Output, o => Assert.True((bool)o.Properties["Passed"].Value, $"{o.Properties["Name"].Value}: {o.Properties["Detail"].Value}"));
        Assert.Equal("exactly cleanup.prisma", completed.Output.Single(o => (string)o.Properties["Name"].Value == "Schema").Properties["Expected"].Value);
        var refused = session.Run("Sync-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url);
        Assert.Equal("MigrationCompleted", Assert.Single(refused.AllErrors).FullyQualifiedErrorId.Split(',')[0]);

        // Refused before -Confirm asks (this host has no prompt: asking would fail with another error), and with -WhatIf.
        foreach (var command in new[] { "Sync-ProfileMigration", "Invoke-ProfileMigration" })
        {
            foreach (var ask in new[] { "-Confirm", "-WhatIf" })
            {
                var asked = session.Run($"{command} -ConnectionString $args[0] {ask}", db.Url);
                Assert.Equal("MigrationCompleted", Assert.Single(asked.AllErrors).FullyQualifiedErrorId.Split(',')[0]);
            }
        }
        var archive = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -RemoveArchive -Confirm:$false", db.Url);
        Assert.Equal("ArchiveStillNeeded", Assert.Single(archive.AllErrors).FullyQualifiedErrorId.Split(',')[0]);

        var undo = session.Run("Undo-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url).ThrowOnError();
        Assert.Equal("Completion", undo.Output.Single().Properties["Step"].Value);
        // Nothing tracked the app while completed: tracking starts reset, the warning asks for -Full.
        Assert.Contains("run Sync-ProfileMigration -Full", Assert.Single(undo.Warnings), StringComparison.Ordinal);
        Assert.Equal("Reset", session.Run("(Get-ProfileMigrationStatus -ConnectionString $args[0]).TrackingStatus", db.Url).ThrowOnError().Output.Single().ToString());
        session.Run("Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Full -Confirm:$false", db.Url, reports).ThrowOnError();
        var checks = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError();
        Assert.All(checks.Output, o => Assert.True((bool)o.Properties["Passed"].Value, $"{o.Properties["Name"].Value}: {o.Properties["Detail"].Value}"));
        Assert.Equal("Completed", session.Run("(Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false).Status", db.Url).ThrowOnError().Output.Single().ToString());

        // Without the archive the reconciliation cannot run: Skipped, not passed; -Quiet fails closed, -Check leaves it out.
        session.Run("Complete-ProfileMigration -ConnectionString $args[0] -RemoveArchive -Force -Confirm:$false", db.Url).ThrowOnError();
        var removed = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError();
        var skipped = removed.Output.Where(o => (bool)o.Properties["Skipped"].Value).Select(o => (string)o.Properties["Name"].Value);
        Assert.Equal(["Reconciliation", "NothingLost"], skipped);
        Assert.All(removed.Output, o => Assert.True((bool)o.Properties["Passed"].Value != (bool)o.Properties["Skipped"].Value, (string)o.Properties["Name"].Value));
        Assert.StartsWith("Reconciliation, NothingLost could not run on ", Assert.Single(removed.Warnings), StringComparison.Ordinal);
        Assert.Equal(false, session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Quiet", db.Url).ThrowOnError().Output.Single().BaseObject);
        Assert.Equal(true, session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Check Schema, PrismaHistory, UsersWithoutProfile -Quiet", db.Url).ThrowOnError().Output.Single().BaseObject);
    }
}
