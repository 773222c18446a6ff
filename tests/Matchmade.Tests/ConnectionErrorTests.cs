using System.Management.Automation;
using System.Security;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Tests;

/// <summary>Each kind of bad connection input gives exactly one ErrorRecord with a stable id, the right category and advice.</summary>
public sealed class ConnectionErrorTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Command = "Matchmade.Commands.GetProfileMigrationStatusCommand";

    [Fact]
    public void Malformed_connection_string()
    {
        var error = SingleError("Get-ProfileMigrationStatus -ConnectionString 'postgresql://u:pw@h/db?sslmod=require'");
        Assert.Equal($"InvalidConnectionString,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("sslmod", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreachable_host()
    {
        var port = TcpPorts.Closed();
        var error = SingleError($"Get-ProfileMigrationStatus -ConnectionString 'postgresql://u:pw@127.0.0.1:{port}/db'");
        Assert.Equal($"HostUnreachable,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains($"127.0.0.1:{port}", error.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("refused", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctrl_C_while_connecting_to_a_server_that_does_not_answer_stops_at_once()
    {
        // Accepts the TCP connection (the backlog does) and never answers the startup: the connect would wait for the
        // whole connect_timeout (30 s here) if the stop did not cancel it.
        using var silent = TcpPorts.Silent();
        var port = TcpPorts.Port(silent);
        using var session = new PowerShellSession();
        using var ps = PowerShell.Create();
        ps.Runspace = session.Runspace;
        ps.AddScript("Get-ProfileMigrationStatus -ConnectionString $args[0]").AddArgument($"postgresql://u:pw@127.0.0.1:{port}/db?connect_timeout=30");
        var pending = ps.BeginInvoke();
        Thread.Sleep(TimeSpan.FromMilliseconds(500));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(pending));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the stop took {watch.Elapsed.TotalSeconds:N1} s: the connect was not cancelled");
    }

    [Fact]
    public void A_multi_host_url_connects_to_the_first_host_that_answers_as_asked()
    {
        // libpq's form: the first host is down, the second is the server; read-write asks for a primary.
        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var url = $"postgresql://{builder.Username}:{Uri.EscapeDataString(builder.Password ?? string.Empty)}@127.0.0.1:{TcpPorts.Closed()},{builder.Host}:{builder.Port}/{builder.Database}?target_session_attrs=read-write";
        using var session = new PowerShellSession();
        var result = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", url);
        Assert.Empty(result.AllErrors);
        Assert.Equal("NotStarted", Assert.Single(result.Output).Properties["State"].Value);
    }

    [Fact]
    public void A_server_that_does_not_answer_is_a_connect_timeout_after_connect_timeout()
    {
        using var silent = TcpPorts.Silent();
        var port = TcpPorts.Port(silent);
        var error = SingleError($"Get-ProfileMigrationStatus -ConnectionString 'postgresql://u:pw@127.0.0.1:{port}/db?connect_timeout=1'");
        Assert.Equal($"ConnectTimeout,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("connect_timeout", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_password()
    {
        var url = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Password = "definitely-wrong-" + Guid.NewGuid().ToString("N") };
        var error = SingleError("Get-ProfileMigrationStatus -ConnectionString $args[0]", url.ConnectionString);
        Assert.Equal($"AuthenticationFailed,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain(url.Password!, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_database()
    {
        var url = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Database = "no_such_db_" + Guid.NewGuid().ToString("N")[..8] };
        var error = SingleError("Get-ProfileMigrationStatus -ConnectionString $args[0]", url.ConnectionString);
        Assert.Equal($"DatabaseNotFound,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains(url.Database!, error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_old_tables()
    {
        using var session = new PowerShellSession();
        var result = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Schema no_such_schema", db.Url);
        var error = Assert.Single(result.AllErrors);
        Assert.Equal($"SourceTablesNotFound,{Command}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        Assert.Contains("-Schema", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal("SourceMissing", Assert.Single(result.Output).Properties["State"].Value);
    }

    [Fact]
    public void The_password_appears_in_nothing_the_cmdlets_produce()
    {
        var password = "Pw-" + Guid.NewGuid().ToString("N");
        var role = "mm_scan_" + Guid.NewGuid().ToString("N")[..8];
        using (var connection = db.Open())
        {
            using var create = new NpgsqlCommand($"CREATE ROLE {role} LOGIN PASSWORD '{password}'; GRANT CONNECT ON DATABASE \"{connection.Database}\" TO {role}; GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};", connection);
            create.ExecuteNonQuery();
        }

        var builder = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role, Password = password };
        var url = $"postgresql://{role}:{Uri.EscapeDataString(password)}@{builder.Host}:{builder.Port}/{builder.Database}";
        var noPassword = $"postgresql://{role}@{builder.Host}:{builder.Port}/{builder.Database}";
        var secure = new SecureString();
        foreach (var c in password)
        {
            secure.AppendChar(c);
        }

        var credential = new PSCredential(role, secure);
        var wrongPort = $"postgresql://{role}:{Uri.EscapeDataString(password)}@127.0.0.1:{TcpPorts.Closed()}/x";
        var badUrl = $"postgresql://{role}:{Uri.EscapeDataString(password)}@{builder.Host}:{builder.Port}/{builder.Database}?bogus=1";

        using var session = new PowerShellSession();
        var runs = new[]
        {
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Verbose -Debug", url),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Credential $args[1] -Verbose", noPassword, credential),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Schema nothing_here -Verbose", url),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Verbose", wrongPort),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Verbose", badUrl),
            session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] -Credential $args[1]", $"postgresql://{role}@{builder.Host}:{builder.Port}/no_such_db", credential),
            session.Run("$Error | ForEach-Object { $_.ToString(); $_.Exception.ToString(); $_.ScriptStackTrace }"),
        };

        Assert.Single(runs[0].Output);
        Assert.Single(runs[1].Output);
        Assert.Empty(runs[0].AllErrors);
        Assert.NotEmpty(runs[0].Verbose);
        Assert.NotEmpty(runs[3].AllErrors);
        Assert.NotEmpty(runs[4].AllErrors);
        Assert.NotEmpty(runs[5].AllErrors);
        foreach (var run in runs)
        {
            var text = run.AllText();
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(password), text, StringComparison.Ordinal);
        }
    }

    private SingleErrorResult SingleError(string script, params object?[] args)
    {
        using var session = new PowerShellSession();
        var result = session.Run(script, args);
        Assert.Empty(result.Output);
        return new SingleErrorResult(Assert.Single(result.AllErrors));
    }

    private sealed class SingleErrorResult(ErrorRecord record)
    {
        public string FullyQualifiedErrorId => record.FullyQualifiedErrorId;
        public ErrorCategoryInfo CategoryInfo => record.CategoryInfo;
        public Exception Exception => record.Exception;
        public override string ToString() => record + "\n" + record.Exception;
    }
}
