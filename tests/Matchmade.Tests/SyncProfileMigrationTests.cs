using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;

namespace Matchmade.Tests;

/// <summary>The transition as a runbook runs it in the real engine: migrate → the app writes → sync → integrity.</summary>
public sealed class SyncProfileMigrationTests : IDisposable
{
    private readonly DatabaseFixture db = DatabaseFixture.CreateFresh("pssync");
    private readonly string reports = Directory.CreateTempSubdirectory("mm-pssync-").FullName;

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void Migrate_app_writes_sync_and_integrity()
    {
        using (var c = db.Open())
        {
            SampleData.LoadQaUsers(c);
            SampleData.LoadSynthetic(c, 50, seed: 3);
        }

        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError();
        using (var c = db.Open())
        {
            DbAssert.Exec(c, """
                UPDATE "Profile" SET data = '{"name": "Renamed", "location": "Oslo"}' WHERE id = (SELECT min(id) FROM "Profile");
                DELETE FROM "ContextProfile" WHERE id = (SELECT max(id) FROM "ContextProfile");
                INSERT INTO "User" (id, email, "updatedAt") VALUES ('late_user', 'late@example.com', now());
                """);
        }

        var status = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", db.Url).ThrowOnError().Output.Single();
        Assert.True((bool)status.Properties["TrackingInstalled"].Value);
        Assert.Equal(3L, (long)status.Properties["PendingChangedUsers"].Value);
        Assert.NotNull(status.Properties["OldestPendingChangeAge"].Value);

        var failing = session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Check PendingChanges", db.Url).ThrowOnError().Output.Single();
        Assert.False((bool)failing.Properties["Passed"].Value);
        Assert.Contains("Sync-ProfileMigration", (string)failing.Properties["Detail"].Value, StringComparison.Ordinal);

        var whatIf = session.Run("Sync-ProfileMigration -ConnectionString $args[0] -WhatIf", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("SyncWhatIf", whatIf.Properties["Mode"].Value);
        Assert.Equal(3L, (long)whatIf.Properties["PendingUsers"].Value);

        // Three workers, one user each (a batch of 10 allows one user per worker): their lines reach the pipeline's thread.
        var synced = session.Run("Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -ThrottleLimit 3 -BatchSize 10 -Confirm:$false -Verbose", db.Url, reports).ThrowOnError();
        Assert.Contains(synced.Verbose, v => v.StartsWith("3 workers over slices of the 3 changed users", StringComparison.Ordinal));
        Assert.Equal(3, synced.Verbose.Count(v => v.StartsWith("Sync batch ", StringComparison.Ordinal) && v.Contains(": 1 users", StringComparison.Ordinal)));
        var sync = synced.Output.Single();
        Assert.Equal("Matchmade.SyncResult", sync.BaseObject.GetType().FullName);
        Assert.Equal("Completed", sync.Properties["Status"].Value);
        Assert.Equal(2L, (long)sync.Properties["UsersResynced"].Value);
        Assert.Equal(1L, (long)sync.Properties["UsersCreated"].Value);
        Assert.Equal(0L, (long)sync.Properties["PendingUsers"].Value);

        var summary = session.Run("Get-MigrationReport -Path $args[0] -Kind Summary", (string)sync.Properties["ReportPath"].Value).ThrowOnError().Output.Single();
        Assert.Equal("Sync", summary.Properties["Mode"].Value);
        var latest = session.Run("Get-MigrationReport -ConnectionString $args[0] -Latest -Kind Summary", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Sync", latest.Properties["Mode"].Value);

        Assert.True((bool)session.Run("Test-MigrationIntegrity -ConnectionString $args[0] -Quiet", db.Url).ThrowOnError().Output.Single().BaseObject);
    }

    [Fact]
    public void The_default_view_of_SyncResult_names_its_properties()
    {
        var format = System.Xml.Linq.XDocument.Load(Path.Combine(PowerShellSession.RepoRoot, "src", "Matchmade", "Matchmade.format.ps1xml"));
        var view = format.Descendants("View").Single(v => (string?)v.Element("ViewSelectedBy")?.Element("TypeName") == "Matchmade.SyncResult");
        var shown = view.Descendants("PropertyName").Select(p => p.Value).ToList();
        using var session = new PowerShellSession();
        var properties = session.Run("[Matchmade.SyncResult].GetProperties() | ForEach-Object Name").ThrowOnError().Output.Select(o => o.ToString()).ToHashSet();
        Assert.Contains("UsersResynced", shown);
        Assert.Contains("PendingUsers", shown);
        Assert.All(shown, name => Assert.Contains(name, properties));
    }

    [Fact]
    public void Without_tracking_sync_refuses_and_names_the_way_out()
    {
        using (var c = db.Open())
        {
            SampleData.LoadSynthetic(c, 10, seed: 4);
        }

        using var session = new PowerShellSession();
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -NoChangeTracking -Confirm:$false", db.Url, reports).ThrowOnError();
        var refused = session.Run("Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports);
        var error = Assert.Single(refused.AllErrors);
        Assert.Equal("TrackingNotInstalled,Matchmade.Commands.SyncProfileMigrationCommand", error.FullyQualifiedErrorId);
        Assert.Contains("-Full", error.Exception.Message, StringComparison.Ordinal);
        var full = session.Run("Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Full -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        Assert.Equal("Full", full.Properties["Mode"].Value);
        Assert.False((bool)full.Properties["TrackingInstalled"].Value);
    }
}
