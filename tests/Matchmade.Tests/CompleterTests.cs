using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Matchmade.Tests.Hosting;

namespace Matchmade.Tests;

/// <summary>Tab completion through the real engine (TabExpansion2), where the database cannot answer.</summary>
public sealed class CompleterTests
{
    /// <summary>
    /// A server that takes the connection and never answers (hung, or behind a load balancer that accepts for it): the
    /// -Schema completer promises nothing within 3 seconds, whatever the connection's own timeout.
    /// </summary>
    [Theory]
    [InlineData("postgresql://dba:secret@127.0.0.1:{0}/app")]
    [InlineData("postgresql://dba:secret@127.0.0.1:{0}/app?connect_timeout=30")]
    [InlineData("Host=127.0.0.1;Port={0};Database=app;Username=dba;Timeout=60")]
    public void Schema_completion_gives_up_within_3_seconds_on_a_server_that_never_answers(string format)
    {
        var silent = new TcpListener(IPAddress.Loopback, 0); // never accepts: the kernel completes the handshake, nobody speaks
        silent.Start();
        try
        {
            var line = $"Get-ProfileMigrationStatus -ConnectionString '{string.Format(System.Globalization.CultureInfo.InvariantCulture, format, ((IPEndPoint)silent.LocalEndpoint).Port)}' -Schema ";
            using var session = new PowerShellSession();
            var clock = Stopwatch.StartNew();
            var result = session.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches.Count", line).ThrowOnError();
            clock.Stop();
            Assert.Equal(0, (int)Assert.Single(result.Output).BaseObject);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"completion took {clock.Elapsed.TotalSeconds:N1} s");
        }
        finally
        {
            silent.Stop();
        }
    }
}
