using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>
/// A TCP proxy that models a link with a fixed one-way latency: every chunk of bytes read from one side is written to
/// the other <c>oneWayMs</c> after it arrived, in order, in both directions. Each direction has its own delay queue
/// (a reader thread stamps chunks, a writer thread sends each when due), so a stream of bytes is delayed once, not
/// once per chunk, and pipelined traffic (COPY) keeps its throughput while a round trip costs 2 × the latency.
/// At most <see cref="MaxChunksInFlight"/> chunks wait per direction (about 1 MB): a full queue stops the reader, and TCP
/// back-pressure does the rest, as a real link's window would. For the benchmark and tests only.
/// </summary>
public sealed class LatencyProxy : IDisposable
{
    private const int MaxChunksInFlight = 16;
    private const int ChunkBytes = 64 * 1024;

    private readonly TcpListener listener;
    private readonly string upstreamHost;
    private readonly int upstreamPort;
    private readonly long delayTicks;
    private readonly ConcurrentBag<TcpClient> sockets = [];
    private volatile bool disposed;

    public LatencyProxy(string upstreamHost, int upstreamPort, double oneWayMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oneWayMs);
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        delayTicks = (long)(oneWayMs * Stopwatch.Frequency / 1000);
        listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        new Thread(Accept) { IsBackground = true, Name = "LatencyProxy accept" }.Start();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>The same connection string, through this proxy.</summary>
    public string Wrap(string connectionString) => new NpgsqlConnectionStringBuilder(connectionString) { Host = IPAddress.Loopback.ToString(), Port = Port }.ConnectionString;

    /// <summary>
    /// Runs a proxy until standard input closes: prints "port N" first. The benchmark starts it as its own process so
    /// the link's threads and buffers are not the measured process's.
    /// </summary>
    public static void Serve(string upstreamHost, int upstreamPort, double oneWayMs)
    {
        // A link's latency does not grow with the host's CPU load: where allowed (root), wake the proxy's threads before
        // the measured processes on a busy machine. Set before any thread of ours starts: Linux threads inherit it.
        try
        {
            Process.GetCurrentProcess().PriorityClass = ProcessPriorityClass.AboveNormal;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // not allowed: normal priority
        }

        using var proxy = new LatencyProxy(upstreamHost, upstreamPort, oneWayMs);
        Console.WriteLine($"port {proxy.Port}");
        Console.Out.Flush();
        while (Console.In.ReadLine() is not null)
        {
        }
    }

    public void Dispose()
    {
        disposed = true;
        listener.Stop();
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }
    }

    private void Accept()
    {
        while (!disposed)
        {
            TcpClient client;
            try
            {
                client = listener.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            var upstream = new TcpClient();
            try
            {
                upstream.Connect(upstreamHost, upstreamPort);
            }
            catch (SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            client.NoDelay = upstream.NoDelay = true;
            sockets.Add(client);
            sockets.Add(upstream);
            Pipe(client, upstream);
            Pipe(upstream, client);
        }
    }

    /// <summary>
    /// Never early, and on Linux and macOS late by the timer's slack only (usleep: about 0.1 ms): Thread.Sleep has whole
    /// milliseconds, which would add up to a millisecond to every delay. Windows: whole milliseconds, rounded up.
    /// </summary>
    private static void SleepFor(long stopwatchTicks)
    {
        if (OperatingSystem.IsWindows())
        {
            Thread.Sleep((int)Math.Ceiling(stopwatchTicks * 1000.0 / Stopwatch.Frequency));
            return;
        }

        _ = USleep((uint)Math.Ceiling(stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency));
    }

    [DllImport("libc", EntryPoint = "usleep")]
    private static extern int USleep(uint microseconds);

    /// <summary>One direction: a reader that stamps each chunk with the time it is due, a writer that sends it then.</summary>
    private void Pipe(TcpClient from, TcpClient to)
    {
        var queue = new BlockingCollection<(long Due, byte[] Data, int Count)>(MaxChunksInFlight);
        new Thread(() =>
        {
            var buffer = new byte[ChunkBytes];
            try
            {
                var source = from.GetStream();
                while (true)
                {
                    var n = source.Read(buffer, 0, buffer.Length);
                    if (n == 0)
                    {
                        break;
                    }

                    queue.Add((Stopwatch.GetTimestamp() + delayTicks, buffer[..n], n));
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                // the other side went away, or the proxy was disposed
            }
            finally
            {
                queue.CompleteAdding();
            }
        }) { IsBackground = true, Name = "LatencyProxy read" }.Start();
        new Thread(() =>
        {
            try
            {
                var target = to.GetStream();
                foreach (var (due, data, count) in queue.GetConsumingEnumerable())
                {
                    for (long wait; (wait = due - Stopwatch.GetTimestamp()) > 0;)
                    {
                        SleepFor(wait); // again if a signal woke it early
                    }

                    target.Write(data, 0, count);
                }

                to.Client?.Shutdown(SocketShutdown.Send); // pass the end of the stream on, after the bytes before it (null: disposed)
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                from.Dispose(); // cannot deliver: drop the connection, as a broken link would
            }
        }) { IsBackground = true, Name = "LatencyProxy write" }.Start();
    }
}
