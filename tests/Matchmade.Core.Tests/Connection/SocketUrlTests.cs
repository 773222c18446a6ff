using Matchmade.Core.Connection;
using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Core.Tests.Connection;

/// <summary>libpq's URL with a Unix-socket directory as its host, percent-encoded (postgresql://u@%2Fvar%2Frun%2Fpostgresql/app), reaches the server through the socket.</summary>
public sealed class SocketUrlTests
{
    [Fact]
    public void A_percent_encoded_socket_directory_as_the_urls_host_connects_through_the_socket()
    {
        var cluster = TestServer.Shared.Cluster;
        if (cluster is null)
        {
            return; // the tests run against MATCHMADE_TEST_DATABASE_URL: no local cluster, no socket directory of ours
        }

        var database = new NpgsqlConnectionStringBuilder(TestServer.Shared.AdminConnectionString).Database;
        var url = $"postgresql://postgres:{Uri.EscapeDataString(cluster!.Password)}@{Uri.EscapeDataString(cluster.RootDirectory)}:{cluster.Port}/{database}";
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = url });
        Assert.Equal(cluster.RootDirectory, target.Host);
        using var connection = target.Open(CancellationToken.None);
        using var command = new NpgsqlCommand("SELECT inet_server_addr() IS NULL", connection); // NULL over a Unix socket
        Assert.True((bool)command.ExecuteScalar()!);
    }
}
