using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;

namespace Matchmade.Tests;

/// <summary>Tests that change the process's DATABASE_URL: run alone, after the parallel classes.</summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class EnvironmentTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public void DATABASE_URL_is_used_when_no_connection_string_is_given()
    {
        using var session = new PowerShellSession();
        var result = session.Run("$saved = $env:DATABASE_URL; $env:DATABASE_URL = $args[0]; try { Get-ProfileMigrationStatus } finally { $env:DATABASE_URL = $saved }", db.Url).ThrowOnError();
        Assert.Equal(db.Database, Assert.Single(result.Output).Properties["Database"].Value);
    }

    [Fact]
    public void DIRECT_URL_comes_before_DATABASE_URL_and_status_and_verbose_say_so()
    {
        using var session = new PowerShellSession();
        var result = session.Run(
            "$saved = $env:DIRECT_URL, $env:DATABASE_URL; $env:DIRECT_URL = $args[0]; $env:DATABASE_URL = 'postgresql://app@127.0.0.1:1/nowhere?pgbouncer=true'; try { Get-ProfileMigrationStatus -Verbose } finally { $env:DIRECT_URL, $env:DATABASE_URL = $saved }",
            db.Url).ThrowOnError();
        var status = Assert.Single(result.Output);
        Assert.Equal(db.Database, status.Properties["Database"].Value);
        Assert.Equal("$env:DIRECT_URL", status.Properties["ConnectionSource"].Value);
        Assert.Contains(result.Verbose, v => v.Contains("(from $env:DIRECT_URL; connect timeout 10 s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Piped_objects_bind_by_their_UserId_and_leave_the_database_to_DATABASE_URL()
    {
        // Get-Help Get-MigrationReport, example 3: findings (or Import-Csv rows) piped for their UserId, the database
        // from DATABASE_URL. An object is no connection string: it must not bind to -ConnectionString as its ToString().
        using var app = DatabaseFixture.CreateFresh("env_pipe");
        using (var c = app.Open())
        {
            SampleData.LoadQaUsers(c);
        }

        var reports = Directory.CreateTempSubdirectory("mm-env-pipe-").FullName;
        try
        {
            using var session = new PowerShellSession();
            var result = session.Run(
                """
                $saved = $env:DIRECT_URL, $env:DATABASE_URL; $env:DIRECT_URL = $null; $env:DATABASE_URL = $args[0]
                try {
                    $finding = [Matchmade.MigrationFinding]@{ Kind = 'Error'; UserId = 'user_qa1'; Reason = 'fixed since' }
                    $finding, [pscustomobject]@{ UserId = 'user_qa3'; Note = 'from a CSV' } | Invoke-ProfileMigration -ReportPath $args[1] -WhatIf
                } finally { $env:DIRECT_URL, $env:DATABASE_URL = $saved }
                """,
                app.Url, reports).ThrowOnError();
            var run = Assert.Single(result.Output);
            Assert.Equal(app.Database, run.Properties["Database"].Value);
            Assert.Equal(2L, run.Properties["UsersMigrated"].Value);
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }
    }

    [Fact]
    public void No_connection_string_and_no_DATABASE_URL_is_one_clear_error()
    {
        using var session = new PowerShellSession();
        var result = session.Run("$saved = $env:DIRECT_URL, $env:DATABASE_URL; $env:DIRECT_URL = $null; $env:DATABASE_URL = $null; try { Get-ProfileMigrationStatus } finally { $env:DIRECT_URL, $env:DATABASE_URL = $saved }");
        var error = Assert.Single(result.AllErrors);
        Assert.Equal("ConnectionStringMissing,Matchmade.Commands.GetProfileMigrationStatusCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("DATABASE_URL", error.Exception.Message, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;
