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
    public void No_connection_string_and_no_DATABASE_URL_is_one_clear_error()
    {
        using var session = new PowerShellSession();
        var result = session.Run("$saved = $env:DATABASE_URL; $env:DATABASE_URL = $null; try { Get-ProfileMigrationStatus } finally { $env:DATABASE_URL = $saved }");
        var error = Assert.Single(result.AllErrors);
        Assert.Equal("ConnectionStringMissing,Matchmade.Commands.GetProfileMigrationStatusCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("DATABASE_URL", error.Exception.Message, StringComparison.Ordinal);
    }
}

[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection;
