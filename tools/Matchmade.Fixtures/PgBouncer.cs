using System.Diagnostics;
using System.Net.Sockets;
using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>
/// A throwaway PgBouncer (Debian's <c>pgbouncer</c> package) in front of a PostgreSQL server, on a free port, in the
/// given pool mode (session, transaction or statement). Clients are trusted; PgBouncer logs in to the server with
/// the server connection string's user and password. It refuses to run as root, so it runs as the postgres OS user
/// when this process is root. Disposing it stops it and removes its folder (a watchdog does it if this process dies).
/// </summary>
public sealed class PgBouncer : IDisposable
{
    private readonly Process process;
    private readonly Process? watchdog;

    private PgBouncer(Process process, Process? watchdog, string root, int port, string serverConnectionString)
    {
        this.process = process;
        this.watchdog = watchdog;
        RootDirectory = root;
        Port = port;
        ServerConnectionString = serverConnectionString;
    }

    public string RootDirectory { get; }
    public int Port { get; }
    public string ServerConnectionString { get; }
    public string LogFile => Path.Combine(RootDirectory, "pgbouncer.log");

    /// <summary>The server's connection string with PgBouncer's host and port instead.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder(ServerConnectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    /// <summary>pgbouncer from PATH or /usr/sbin (where Debian puts it); null when it is not installed.</summary>
    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Append("/usr/sbin")
            .Select(d => Path.Combine(d, "pgbouncer")).FirstOrDefault(File.Exists);

    public static PgBouncer Start(string serverConnectionString, string poolMode, int poolSize = 20)
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException("pgbouncer was not found: install it (apt-get install pgbouncer).");
        var server = new NpgsqlConnectionStringBuilder(serverConnectionString);
        var root = Directory.CreateTempSubdirectory("matchmade-pgbouncer-").FullName;
        try
        {
            var port = LocalCluster.FreePort();
            var user = server.Username ?? "postgres";
            var config = Path.Combine(root, "pgbouncer.ini");
            File.WriteAllLines(Path.Combine(root, "userlist.txt"), [$"\"{user}\" \"\""]);
            File.WriteAllLines(config,
            [
                "[databases]",
                $"* = host={server.Host} port={server.Port} user={user} password={server.Password}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                $"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                $"auth_file = {Path.Combine(root, "userlist.txt")}",
                $"pool_mode = {poolMode}",
                $"default_pool_size = {poolSize}",
                "max_client_conn = 200",
                "ignore_startup_parameters = extra_float_digits,search_path,options",
                $"logfile = {Path.Combine(root, "pgbouncer.log")}",
                $"pidfile = {Path.Combine(root, "pgbouncer.pid")}",
            ]);
            if (LocalCluster.IsRoot)
            {
                LocalCluster.Run("chown", ["-R", "postgres:postgres", root], null);
            }

            var start = LocalCluster.IsRoot ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", executable, config]) : new ProcessStartInfo(executable, [config]);
            start.UseShellExecute = false;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start pgbouncer.");
            // It logs to its log file too; drain its output so a full pipe never blocks it.
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var pidFile = Path.Combine(root, "pgbouncer.pid");
            var kill = $"kill $(cat {Watchdog.Quote(pidFile)}); sleep 1; rm -rf {Watchdog.Quote(root)}";
            var bouncer = new PgBouncer(process, Watchdog.Start(kill), root, port, serverConnectionString);
            bouncer.WaitUntilListening();
            return bouncer;
        }
        catch
        {
            LocalCluster.TryDelete(root);
            throw;
        }
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(100);
            }
            catch (SocketException)
            {
                var log = File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";
                Dispose();
                throw new InvalidOperationException($"pgbouncer did not start listening on port {Port}:\n{log}");
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
        Watchdog.Stop(watchdog);
        LocalCluster.TryDelete(RootDirectory);
    }
}
