using System.Net;
using System.Net.Sockets;

namespace Matchmade.Tests.Shared;

/// <summary>Loopback ports for connection tests: one nobody listens on, and a listener that accepts (its backlog does) and never answers.</summary>
public static class TcpPorts
{
    /// <summary>A port that refuses connections (it was free a moment ago).</summary>
    public static int Closed()
    {
        using var listener = Silent();
        return Port(listener);
    }

    /// <summary>A started listener nobody accepts from: a connect succeeds, and the server's answer never comes.</summary>
    public static TcpListener Silent()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    public static int Port(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;
}
