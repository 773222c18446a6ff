using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>A server that ends idle sessions (idle_session_timeout, PostgreSQL 14+) and a -Continuous sync that waits between passes.</summary>
public sealed partial class SyncTests
{
    [Fact]
    public void A_continuous_sync_waiting_longer_than_the_servers_idle_session_timeout_keeps_its_connections()
    {
        var cs = NewDatabase(20);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            // What a DBA sets to reap idle connections: every new session of the database gets it.
            Exec(c, $"ALTER DATABASE \"{new Npgsql.NpgsqlConnectionStringBuilder(cs).Database}\" SET idle_session_timeout = '1s'");
        }

        // Nothing pending: the first pass waits its 2 s interval, idle longer than the server allows, then looks again.
        var outcome = Sync(cs, new SyncOptions { Continuous = true, Interval = TimeSpan.FromSeconds(2), Until = DateTimeOffset.UtcNow.AddSeconds(3.5) });
        Assert.True(outcome.Status == RunStatus.Completed, outcome.Failure?.Message);
        Assert.True(outcome.Passes >= 2, $"{outcome.Passes} passes");
    }
}
