using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Matchmade.Fixtures;

public sealed record LocalClusterOptions
{
    /// <summary>
    /// Leave the cluster running and its files in place when disposed, and after this process ends (for a demo to
    /// connect to later); stop it with pg_ctl and remove <see cref="LocalCluster.RootDirectory"/> by hand.
    /// </summary>
    public bool Keep { get; init; }

    /// <summary>Keep fsync, synchronous_commit and full_page_writes on (benchmarks); tests turn them off for speed.</summary>
    public bool Durable { get; init; }

    /// <summary>Extra postgresql.conf settings, e.g. shared_preload_libraries.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    /// <summary>Where to create the cluster's folder; default: the system temp folder.</summary>
    public string? BaseDirectory { get; init; }
}

/// <summary>
/// A throwaway PostgreSQL cluster from the local server binaries: initdb into a fresh folder, listen on 127.0.0.1 on a
/// free port, password authentication (scram-sha-256) for a generated superuser password. Run as the postgres OS user
/// when this process is root (initdb refuses root).
/// </summary>
public sealed partial class LocalCluster : IDisposable
{
    private readonly LocalClusterOptions options;
    private bool stopped;
    private Process? watchdog;

    private LocalCluster(string binDirectory, string root, int port, string password, LocalClusterOptions options)
    {
        BinDirectory = binDirectory;
        RootDirectory = root;
        DataDirectory = Path.Combine(root, "data");
        Port = port;
        Password = password;
        this.options = options;
    }

    public string Host => "127.0.0.1";
    public int Port { get; private set; }
    public string Password { get; }
    public string BinDirectory { get; }
    public string RootDirectory { get; }
    public string DataDirectory { get; }
    public string LogFile => Path.Combine(RootDirectory, "server.log");

    /// <summary>Npgsql keyword form, as the superuser postgres.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = "postgres",
        Password = Password,
        Database = database,
        Pooling = true,
        Timeout = 15,
    }.ConnectionString;

    public string Url(string database = "postgres") =>
        $"postgresql://postgres:{Uri.EscapeDataString(Password)}@{Host}:{Port}/{Uri.EscapeDataString(database)}";

    public static LocalCluster Start(LocalClusterOptions? options = null)
    {
        options ??= new LocalClusterOptions();
        var bin = FindBinDirectory();
        var root = Path.Combine(Path.GetFullPath(options.BaseDirectory ?? Path.GetTempPath()), "matchmade-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        try
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            var data = InitDb(bin, root, password);
            var settings = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["listen_addresses"] = "127.0.0.1",
                ["unix_socket_directories"] = root,
                ["max_connections"] = "200",
                ["log_min_messages"] = "warning",
            };
            if (!options.Durable)
            {
                // Throwaway data: nothing needs to survive a power loss.
                settings["fsync"] = "off";
                settings["synchronous_commit"] = "off";
                settings["full_page_writes"] = "off";
            }

            foreach (var (key, value) in options.Settings ?? new Dictionary<string, string>())
            {
                settings[key] = value;
            }

            File.AppendAllLines(Path.Combine(data, "postgresql.auto.conf"), settings.Select(s => $"{s.Key} = {ConfigValue(s.Value)}"));

            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var cluster = new LocalCluster(bin, root, port, password, options);
                var logLength = File.Exists(cluster.LogFile) ? new FileInfo(cluster.LogFile).Length : 0;
                try
                {
                    cluster.PgCtl("start", "-w", "-t", "60", "-o", $"-p {port}");
                }
                catch (InvalidOperationException) when (attempt < 5 && PortWasTaken(cluster.LogFile, logLength))
                {
                    // Someone took the port between our probe and the server's bind: try another.
                    continue;
                }

                if (!options.Keep)
                {
                    cluster.StartWatchdog();
                }

                return cluster;
            }
        }
        catch when (!options.Keep)
        {
            Abandon(bin, root);
            throw;
        }
    }

    /// <summary>Removes the folder of a cluster that failed to start (a server may still be coming up: it is stopped first).</summary>
    private static void Abandon(string bin, string root)
    {
        if (File.Exists(Path.Combine(root, "data", "postmaster.pid")))
        {
            try
            {
                Run(Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(root, "data"), "stop", "-m", "immediate"], IsRoot ? "postgres" : null);
            }
            catch (InvalidOperationException)
            {
            }
        }

        TryDelete(root);
    }

    /// <summary>initdb as the postgres OS user when this process is root; the superuser's password comes from a file only that user may read.</summary>
    private static string InitDb(string bin, string root, string password)
    {
        var asRoot = IsRoot;
        var passwordFile = Path.Combine(root, "pwfile");
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(passwordFile, fileOptions))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(password + "\n");
        }

        if (asRoot)
        {
            EnsureOsUser("postgres");
            Run("chown", ["postgres:postgres", root, passwordFile], null);
        }

        var data = Path.Combine(root, "data");
        try
        {
            Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth-host", "scram-sha-256", "--auth-local", "scram-sha-256", "--locale", "C.UTF-8", "--encoding", "UTF8", "--no-sync"], asRoot ? "postgres" : null);
        }
        finally
        {
            File.Delete(passwordFile);
        }

        return data;
    }

    /// <summary>As root the server runs as this OS user (initdb refuses root): a clear message when there is none.</summary>
    internal static void EnsureOsUser(string user)
    {
        try
        {
            Run("id", ["-u", user], null);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"This process runs as root, and initdb refuses root, so the throwaway cluster runs as the '{user}' OS user; there is no such user here. Install PostgreSQL's server package (it creates the user; e.g. apt-get install postgresql), create the user (useradd --system {user}), or run as a non-root user.", e);
        }
    }

    /// <summary>A postgresql.conf value: quoted unless it already is (so both pg_stat_statements and 'pg_stat_statements' work).</summary>
    private static string ConfigValue(string value) =>
        value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static bool PortWasTaken(string logFile, long from)
    {
        if (!File.Exists(logFile))
        {
            return false;
        }

        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
        var text = new StreamReader(stream).ReadToEnd();
        return text.Contains("could not bind", StringComparison.Ordinal) || text.Contains("Address already in use", StringComparison.Ordinal);
    }

    /// <summary>
    /// A shell that outlives this process: when the process is gone without disposing the cluster (killed, crashed,
    /// a test run stopped by a timeout), it stops the server and removes its folder, so no stray postgres is left behind.
    /// </summary>
    private void StartWatchdog() =>
        watchdog = Watchdog.Start($"{StopCommand(BinDirectory, DataDirectory, "immediate", IsRoot)}; rm -rf {Watchdog.Quote(RootDirectory)}");

    /// <summary>
    /// For a kept cluster, to print: a shell command that stops the server (as the postgres OS user when this process
    /// is root) and then, once it is down, removes <see cref="RootDirectory"/> (removed under a running server, the
    /// folder would leave a postgres that pg_ctl can no longer stop).
    /// </summary>
    public string StopAndRemoveCommand() => $"{StopCommand(BinDirectory, DataDirectory, "fast", IsRoot)} && rm -rf {Watchdog.Quote(RootDirectory)}";

    /// <summary>pg_ctl stop; through runuser only for root (it refuses everyone else, and a non-root user runs the server itself).</summary>
    internal static string StopCommand(string bin, string data, string mode, bool asRoot) =>
        $"{(asRoot ? "runuser -u postgres -- " : string.Empty)}{Watchdog.Quote(Path.Combine(bin, "pg_ctl"))} -D {Watchdog.Quote(data)} stop -m {mode}";

    /// <summary>Restarts the server; immediate = a crash restart (no checkpoint), as in a power loss.</summary>
    public void Restart(bool immediate = true)
    {
        PgCtl("restart", "-w", "-t", "60", "-m", immediate ? "immediate" : "fast", "-o", $"-p {Port}");
        stopped = false;
    }

    public void Stop()
    {
        if (!stopped)
        {
            stopped = true;
            try
            {
                PgCtl("stop", "-w", "-m", "immediate");
            }
            catch (InvalidOperationException)
            {
                // Already down.
            }
        }
    }

    public void Dispose()
    {
        if (options.Keep)
        {
            return;
        }

        Stop();
        TryDelete(RootDirectory);
        Watchdog.Stop(watchdog);
        watchdog = null;
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void PgCtl(params string[] args)
    {
        var asRoot = IsRoot;
        try
        {
            Run(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-l", LogFile, .. args], asRoot ? "postgres" : null);
        }
        catch (InvalidOperationException e)
        {
            var tail = File.Exists(LogFile) ? string.Join("\n", File.ReadLines(LogFile).TakeLast(20)) : "(no server log)";
            throw new InvalidOperationException($"{e.Message}\nServer log ({LogFile}):\n{tail}", e);
        }
    }

    /// <summary>
    /// MATCHMADE_PG_BIN, else pg_config --bindir when it has initdb, else the first folder on PATH with initdb (Fedora's
    /// and Homebrew's server packages put it there, without pg_config unless the development package is installed),
    /// else the newest /usr/lib/postgresql/*/bin (Debian and Ubuntu, which keep it off PATH).
    /// </summary>
    public static string FindBinDirectory() =>
        FindBinDirectory(Environment.GetEnvironmentVariable("MATCHMADE_PG_BIN"), usePgConfig: true, "/usr/lib/postgresql", Environment.GetEnvironmentVariable("PATH"));

    internal static string FindBinDirectory(string? configured, bool usePgConfig, string debianRoot, string? searchPath = null)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return HasInitdb(configured) ? configured : throw new InvalidOperationException($"MATCHMADE_PG_BIN={configured} has no initdb: point it at the bin folder of PostgreSQL's server (e.g. /usr/lib/postgresql/15/bin).");
        }

        if (usePgConfig)
        {
            try
            {
                var bindir = Run("pg_config", ["--bindir"], null).Trim();
                if (HasInitdb(bindir))
                {
                    return bindir;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // No pg_config on PATH: look for initdb itself.
            }
        }

        var onPath = (searchPath ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(HasInitdb);
        if (onPath is not null)
        {
            return onPath;
        }

        // /usr/lib/postgresql/<version>/bin, the newest version first (9.6 < 15).
        var candidates = Directory.Exists(debianRoot)
            ? Directory.GetDirectories(debianRoot)
                .Select(d => (Bin: Path.Combine(d, "bin"), Version: decimal.TryParse(Path.GetFileName(d), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0m))
                .Where(c => HasInitdb(c.Bin))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Bin)
                .ToArray()
            : [];
        return candidates.Length > 0
            ? candidates[0]
            : throw new InvalidOperationException("PostgreSQL's server binaries (initdb, pg_ctl) were not found (MATCHMADE_PG_BIN, pg_config --bindir, PATH, " + debianRoot + "/*/bin). Install PostgreSQL's server package, e.g. apt-get install postgresql; or set MATCHMADE_PG_BIN to its bin folder, or MATCHMADE_TEST_DATABASE_URL to a server the tests may create databases on.");
    }

    private static bool HasInitdb(string directory) => File.Exists(Path.Combine(directory, "initdb")) || File.Exists(Path.Combine(directory, "initdb.exe"));

    internal static string Run(string file, string[] args, string? asUser)
    {
        var start = asUser is null ? new ProcessStartInfo(file) : new ProcessStartInfo("runuser", ["-u", asUser, "--", file]);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.WorkingDirectory = Path.GetTempPath();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed (exit {process.ExitCode}): {stderr.Result}{stdout}");
        }

        return stdout;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Environment.UserName is the effective user on Unix.
    internal static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";
}
