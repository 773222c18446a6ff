using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Management.Automation.Runspaces;
using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Sandbox;

/// <summary>
/// dotnet run --project tools/Matchmade.Sandbox [-- options]
///   (no options)           the whole job on a throwaway PostgreSQL with sample data, then the cluster is removed
///   -Users N               how many synthetic users besides the seed's three QA users (default 1000)
///   -Keep                  keep the throwaway cluster running and print how to connect
///   -Command '&lt;ps&gt;'        run PowerShell with the module imported, against your database ($env:DATABASE_URL or -ConnectionString)
///   -File script.ps1       the same with a script file
///   -Sandbox               with -Command/-File: run it against a fresh throwaway cluster with sample data instead
///   -Shell                 real pwsh on this console against a throwaway cluster with sample data (with -Command/-File: that, in real pwsh)
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Options.Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        try
        {
            return Run(options);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or NpgsqlException or System.ComponentModel.Win32Exception)
        {
            // No server binaries, no postgres OS user, a server that would not start, no built module: the message
            // says what to do; a stack trace would bury it. The cluster, if any, is removed on the way out (using).
            Console.Error.WriteLine(e.Message);
            return 1;
        }
    }

    private static int Run(Options options)
    {
        var manifest = FindModuleManifest();
        var script = options.Script ?? ReadDemo();
        if (options.Script is not null && !options.Sandbox && !options.Shell)
        {
            return RunPowerShell(manifest, script, databaseUrl: null);
        }

        Console.WriteLine("Starting a throwaway PostgreSQL cluster...");
        using var cluster = LocalCluster.Start(new LocalClusterOptions { Keep = options.Keep });
        const string database = "matchmade_demo";

        // Ctrl+C ends this process (without -Keep the cluster's watchdog then stops and removes it); with -Keep the
        // cluster stays, so say how to reach it: its password is generated and printed nowhere else.
        using var interrupted = options.Keep ? PosixSignalRegistration.Create(PosixSignal.SIGINT, _ =>
        {
            Console.WriteLine();
            Console.WriteLine("Interrupted; the data may be incomplete.");
            PrintKept(cluster, database);
        }) : null;
        using (var admin = new NpgsqlConnection(cluster.ConnectionString()))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {database}", admin);
            create.ExecuteNonQuery();
        }

        using (var connection = new NpgsqlConnection(cluster.ConnectionString(database)))
        {
            connection.Open();
            SourceSchema.Apply(connection);
            SampleData.LoadQaUsers(connection);
            var loaded = SampleData.LoadSynthetic(connection, options.Users);
            Console.WriteLine($"PostgreSQL on {cluster.Host}:{cluster.Port}: old schema (source.sql) with the seed's 3 QA users and {options.Users:N0} synthetic users loaded.");
            _ = loaded;
        }

        // The demo plays the app too ($app: AppWriter), writing the old tables between the migration and the sync.
        var app = new AppWriter(cluster.ConnectionString(database));
        int exitCode;
        if (options.Shell)
        {
            interrupted?.Dispose(); // Ctrl+C belongs to the shell from here
            exitCode = RealShell.Run(manifest, cluster.Url(database), options.Script);
        }
        else
        {
            exitCode = RunPowerShell(manifest, script, cluster.Url(database), app);
            interrupted?.Dispose();
        }

        if (options.Keep)
        {
            Console.WriteLine();
            PrintKept(cluster, database);
        }

        return exitCode;
    }

    private static void PrintKept(LocalCluster cluster, string database)
    {
        Console.WriteLine("The cluster is still running. Connect with:");
        Console.WriteLine($"  psql '{cluster.Url(database)}'");
        Console.WriteLine($"  dotnet run --project tools/Matchmade.Sandbox -- -Command 'Get-ProfileMigrationStatus -ConnectionString \"{cluster.Url(database)}\"'");
        Console.WriteLine("Stop and remove it with:");
        Console.WriteLine($"  {cluster.StopAndRemoveCommand()}");
    }

    private static int RunPowerShell(string manifest, string script, string? databaseUrl, AppWriter? app = null)
    {
        var host = new ConsoleHost();
        var state = InitialSessionState.CreateDefault2();
        // The engine package has only the Core cmdlets; a -Command pipes Matchmade's objects into Utility's and Management's.
        state.ImportPSModule(typeof(Microsoft.PowerShell.Commands.SelectObjectCommand).Assembly.Location, typeof(Microsoft.PowerShell.Commands.TestPathCommand).Assembly.Location);
        using var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        runspace.SessionStateProxy.SetVariable("app", app);
        if (databaseUrl is not null)
        {
            // The demo's commands find the database the way a DBA's runbook does: through DATABASE_URL.
            Environment.SetEnvironmentVariable("DATABASE_URL", databaseUrl);
        }

        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript("Import-Module -Name $args[0] -ErrorAction Stop").AddArgument(manifest);
        ps.Invoke();
        if (ps.HadErrors)
        {
            foreach (var error in ps.Streams.Error)
            {
                Console.Error.WriteLine(error);
            }

            return 1;
        }

        ps.Commands.Clear();
        ps.AddScript(script);
        ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.All, PipelineResultTypes.Output);
        ps.AddCommand("Out-Default");
        try
        {
            ps.Invoke();
        }
        catch (RuntimeException e)
        {
            Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
            return 1;
        }

        // As `pwsh -Command`: an explicit exit wins; otherwise any error makes it 1, so a CI step fails on it.
        return host.ExitCode ?? (ps.HadErrors ? 1 : 0);
    }

    private static string ReadDemo()
    {
        using var stream = typeof(Program).Assembly.GetManifestResourceStream("demo.ps1")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string FindModuleManifest()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var manifest = Path.Combine(dir.FullName, "out", "Matchmade", "Matchmade.psd1");
            if (File.Exists(manifest))
            {
                return manifest;
            }
        }

        throw new FileNotFoundException("The built module (out/Matchmade/Matchmade.psd1) was not found; run 'dotnet build' at the repository root.");
    }

    private sealed record Options(bool Help, bool Keep, bool Sandbox, bool Shell, int Users, string? Script)
    {
        public const string Usage = """
            Usage: dotnet run --project tools/Matchmade.Sandbox [-- options]
              (no options)         the whole job on a throwaway PostgreSQL with sample data; the cluster is removed afterwards
              -Users N             synthetic users to load besides the seed's 3 QA users (default 1000)
              -Keep                keep the throwaway cluster running and print how to connect
              -Command '<ps>'      run PowerShell with Matchmade imported against your database ($env:DATABASE_URL or -ConnectionString)
              -File script.ps1     the same with a script file
              -Sandbox             with -Command/-File: run against a fresh throwaway cluster with sample data ($env:DATABASE_URL points at it)
              -Shell               real pwsh (restored from NuGet) on this console against a throwaway cluster with sample data,
                                   the module imported; the cluster goes when you exit. With -Command/-File: runs that in real pwsh
            """;

        public static Options Parse(string[] args)
        {
            bool help = false, keep = false, sandbox = false, shell = false;
            var users = 1000;
            string? script = null;
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i].TrimStart('-').ToLowerInvariant())
                {
                    case "help" or "h" or "?":
                        help = true;
                        break;
                    case "keep":
                        keep = true;
                        break;
                    case "sandbox":
                        sandbox = true;
                        break;
                    case "shell":
                        shell = true;
                        break;
                    case "users":
                        users = int.TryParse(Next(), out var n) && n >= 0 ? n : throw new ArgumentException("-Users takes a whole number >= 0.");
                        break;
                    case "command" or "c":
                        script = Next();
                        break;
                    case "file" or "f":
                        var path = Next();
                        script = File.Exists(path) ? File.ReadAllText(path) : throw new ArgumentException($"No such script file: {path}");
                        break;
                    default:
                        throw new ArgumentException($"Unknown option '{args[i]}'.");
                }
            }

            return new Options(help, keep, sandbox, shell, users, script);
        }
    }
}
