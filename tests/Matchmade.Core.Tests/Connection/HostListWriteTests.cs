using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Tests.Shared;

namespace Matchmade.Core.Tests.Connection;

/// <summary>
/// A writing command given a load-balanced host list without target_session_attrs=read-write could spread its
/// connections over the servers (its run lock on one, a worker on a standby): refused before connecting, saying what to
/// add. With read-write it goes on (and here, no server listening, fails to connect).
/// </summary>
public sealed class HostListWriteTests
{
    [Fact]
    public void A_writing_command_refuses_a_load_balanced_host_list_without_read_write_before_connecting()
    {
        var hosts = $"postgresql://u:pw@127.0.0.1:{TcpPorts.Closed()},127.0.0.1:{TcpPorts.Closed()}/db";
        var reports = Directory.CreateTempSubdirectory("mm-hostlist-").FullName;
        try
        {
            var spread = Assert.Throws<MatchmadeException>(() => Sync(hosts + "?load_balance_hosts=random", reports));
            Assert.Equal(ErrorIds.InvalidConnectionString, spread.ErrorId);
            Assert.Contains("target_session_attrs=read-write", spread.Message, StringComparison.Ordinal);

            var readWrite = Assert.Throws<MatchmadeException>(() => Sync(hosts + "?load_balance_hosts=random&target_session_attrs=read-write", reports));
            Assert.NotEqual(ErrorIds.InvalidConnectionString, readWrite.ErrorId); // it went on to connect
            var ordered = Assert.Throws<MatchmadeException>(() => Sync(hosts, reports)); // no load balancing: the first that answers, always
            Assert.NotEqual(ErrorIds.InvalidConnectionString, ordered.ErrorId);
            Assert.Empty(Directory.GetFileSystemEntries(reports));
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }
    }

    private static SyncOutcome Sync(string url, string reports)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = url + (url.Contains('?') ? "&" : "?") + "connect_timeout=2" });
        return new SyncRunner(target, new SyncOptions { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }
}
