using System.Diagnostics;
using System.Globalization;
using Npgsql;

/// <summary>
/// A link with a one-way latency between the benchmark and PostgreSQL: <see cref="Matchmade.Fixtures.LatencyProxy"/>
/// run as a child process of this benchmark (<c>-ServeProxy host port ms</c>), so the link's threads and buffers are
/// neither in the measured process's peak RSS nor on its thread pool. Benchmark-only: nothing in the module knows it.
/// </summary>
internal sealed class LatencyLink : IDisposable
{
    private readonly Process process;
    private readonly int port;

    private LatencyLink(Process process, int port)
    {
        this.process = process;
        this.port = port;
    }

    /// <summary>null for 0 ms: the connections go straight to the server, as before.</summary>
    public static LatencyLink? Start(string host, int upstreamPort, double oneWayMs)
    {
        if (oneWayMs <= 0)
        {
            return null;
        }

        var process = ChildProcess.Start("-ServeProxy", host, upstreamPort.ToString(CultureInfo.InvariantCulture), oneWayMs.ToString(CultureInfo.InvariantCulture));
        var line = process.StandardOutput.ReadLine();
        if (line is null || !line.StartsWith("port ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The latency proxy did not start (it said: {line ?? "nothing"}).");
        }

        return new LatencyLink(process, int.Parse(line[5..], CultureInfo.InvariantCulture));
    }

    /// <summary>The same connection string, through the link.</summary>
    public string Wrap(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = port }.ConnectionString;

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools(); // pooled connections through the link would outlive it
        process.StandardInput.Close(); // the proxy ends when its standard input closes
        if (!process.WaitForExit(5000))
        {
            process.Kill();
        }

        process.Dispose();
    }
}
