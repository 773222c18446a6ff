using System.Management.Automation;
using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using Xunit.Abstractions;

namespace Matchmade.Tests;

/// <summary>What a DBA sees behind PgBouncer: one ErrorRecord, PooledConnection, that names the pooler and the fix.</summary>
public sealed class TopologyTests(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    [Theory]
    [InlineData("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", "InvokeProfileMigrationCommand")]
    [InlineData("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf", "InvokeProfileMigrationCommand")]
    [InlineData("Undo-ProfileMigration -ConnectionString $args[0] -Confirm:$false", "UndoProfileMigrationCommand")]
    public void A_transaction_pooled_url_is_refused_with_PooledConnection(string script, string command)
    {
        using var bouncer = PgBouncer.Start(db.ConnectionString, "transaction");
        using var session = new PowerShellSession();
        var url = TestServer.ToUrl(bouncer.ConnectionString) + "?pgbouncer=true";
        var reports = Directory.CreateTempSubdirectory("mm-topology-").FullName;
        RunResult result;
        try
        {
            result = session.Run(script, url, reports);
            Assert.Empty(Directory.GetFiles(reports)); // refused before the report was begun, or it was removed
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }

        var error = Assert.Single(result.AllErrors);
        output.WriteLine($"{error.FullyQualifiedErrorId} ({error.CategoryInfo.Category}): {error.Exception.Message}");
        Assert.Equal($"PooledConnection,Matchmade.Commands.{command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Contains("PgBouncer", error.Exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString).Password!, error.Exception.Message, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }
}
