using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Matchmade.Fixtures;

public sealed record LocalClusterOptions
{
    /// <summary>Leave the cluster running and its files in place when disposed.</summary>
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
public sealed class LocalCluster : IDisposable
{
    private readonly LocalClusterOptions options;
    private bool stopped;

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

    public string ConnectionString(string database = "postgres") =>
        $"Host={Host};Port={Port};Username=postgres;Password={Password};Database={database};Pooling=true;Timeout=15";

    public string Url(string database = "postgres") =>
        $"postgresql://postgres:{Uri.EscapeDataString(Password)}@{Host}:{Port}/{Uri.EscapeDataString(database)}";

    public static LocalCluster Start(LocalClusterOptions? options = null)
    {
        options ??= new LocalClusterOptions();
        var bin = FindBinDirectory();
        var root = Path.Combine(options.BaseDirectory ?? Path.GetTempPath(), "matchmade-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        var asRoot = IsRoot;
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", root], null);
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        var passwordFile = Path.Combine(root, "pwfile");
        File.WriteAllText(passwordFile, password + "\n");
        if (asRoot)
        {
            Run("chown", ["postgres:postgres", passwordFile], null);
        }

        var data = Path.Combine(root, "data");
        Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", passwordFile, "--auth", "scram-sha-256", "--locale", "C.UTF-8", "--encoding", "UTF8", "--no-sync"], asRoot ? "postgres" : null);
        File.Delete(passwordFile);

        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = "'127.0.0.1'",
            ["unix_socket_directories"] = $"'{root}'",
            ["max_connections"] = "200",
            ["log_min_messages"] = "warning",
        };
        if (!options.Durable)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }

        foreach (var (key, value) in options.Settings ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var config = Path.Combine(data, "postgresql.auto.conf");
        File.AppendAllLines(config, settings.Select(s => $"{s.Key} = {s.Value}"));

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var cluster = new LocalCluster(bin, root, port, password, options);
            try
            {
                cluster.PgCtl("start", "-w", "-t", "60", "-o", $"-p {port}");
                return cluster;
            }
            catch (InvalidOperationException) when (attempt < 5 && File.Exists(cluster.LogFile) && File.ReadAllText(cluster.LogFile).Contains("could not bind", StringComparison.Ordinal))
            {
                // Someone took the port between our probe and the server's bind: try another.
            }
        }
    }

    /// <summary>Restarts the server; immediate = a crash restart (no checkpoint), as in a power loss.</summary>
    public void Restart(bool immediate = true) => PgCtl("restart", "-w", "-t", "60", "-m", immediate ? "immediate" : "fast", "-o", $"-p {Port}");

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
        try
        {
            Directory.Delete(RootDirectory, recursive: true);
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

    /// <summary>MATCHMADE_PG_BIN, else pg_config --bindir when it has initdb, else the newest /usr/lib/postgresql/*/bin.</summary>
    public static string FindBinDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MATCHMADE_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return HasInitdb(fromEnvironment) ? fromEnvironment : throw new InvalidOperationException($"MATCHMADE_PG_BIN={fromEnvironment} has no initdb.");
        }

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
            // No pg_config on PATH: look where Debian puts the server.
        }

        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(HasInitdb)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).ToArray()
            : [];
        return candidates.Length > 0
            ? candidates[0]
            : throw new InvalidOperationException("PostgreSQL's server binaries (initdb, pg_ctl) were not found. Install PostgreSQL's server package (e.g. apt-get install postgresql), set MATCHMADE_PG_BIN to its bin folder, or set MATCHMADE_TEST_DATABASE_URL to a server to use.");
    }

    private static bool HasInitdb(string directory) => File.Exists(Path.Combine(directory, "initdb")) || File.Exists(Path.Combine(directory, "initdb.exe"));

    private static string Run(string file, string[] args, string? asUser)
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Environment.UserName is the effective user on Unix.
    private static bool IsRoot => !OperatingSystem.IsWindows() && Environment.UserName == "root";
}
