using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Matchmade.Fixtures;
using Npgsql;

// The migration's benchmark: a throwaway cluster with realistic durability settings, N synthetic users, then the
// dry run and the live run of Invoke-ProfileMigration through the real PowerShell engine (the built module).
// Prints users/s, peak RSS of this process during each phase, statements per 1,000 users and server time.
var users = 100_000;
int? batchSize = null;
var keep = false;
var loadOnly = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i].TrimStart('-').ToLowerInvariant())
    {
        case "users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "batchsize": batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "keep": keep = true; break;
        case "loadonly": loadOnly = true; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}. Options: -Users N (default 100000), -BatchSize N, -Keep, -LoadOnly"); return 2;
    }
}

var manifest = FindManifest();
Console.WriteLine($"Matchmade benchmark: {users:N0} users, batch size {(batchSize?.ToString(CultureInfo.InvariantCulture) ?? "default")}, {Environment.ProcessorCount} cores, PostgreSQL from {LocalCluster.FindBinDirectory()}");
using var cluster = LocalCluster.Start(new LocalClusterOptions
{
    Keep = keep,
    Durable = true,
    Settings = new Dictionary<string, string>
    {
        ["shared_preload_libraries"] = "'pg_stat_statements'",
        ["pg_stat_statements.track"] = "'top'", // top-level statements only: FK trigger queries are not statements the module sends
        ["shared_buffers"] = "'1GB'",
        ["max_wal_size"] = "'8GB'",
        ["checkpoint_timeout"] = "'30min'",
        ["track_io_timing"] = "on",
    },
});
using (var admin = new NpgsqlConnection(cluster.ConnectionString()))
{
    admin.Open();
    Exec(admin, "CREATE DATABASE bench");
}

var cs = cluster.ConnectionString("bench");
SampleLoadResult loaded;
using (var c = new NpgsqlConnection(cs))
{
    c.Open();
    SourceSchema.Apply(c);
    Exec(c, "CREATE EXTENSION pg_stat_statements");
    loaded = SampleData.LoadSynthetic(c, users, seed: 42);
    Exec(c, "VACUUM ANALYZE");
}

Console.WriteLine($"Loaded {loaded.Users:N0} users, {loaded.ContextProfiles:N0} ContextProfiles, {loaded.Profiles:N0} Profiles, {loaded.ChatMessages:N0} ChatMessages in {loaded.Elapsed.TotalSeconds:N1} s ({loaded.Users / loaded.Elapsed.TotalSeconds:N0} users/s); average blob {AverageBlob(cs):N0} bytes.");

if (loadOnly)
{
    return 0;
}

var reports = Directory.CreateTempSubdirectory("matchmade-bench-").FullName;
var state = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
Invoke(runspace, "Import-Module -Name $args[0] -ErrorAction Stop", manifest);
var batchArgument = batchSize is { } b ? $" -BatchSize {b}" : string.Empty;

var rows = new List<string[]>();
foreach (var (name, script) in new[]
{
    ("dry run (-WhatIf)", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf{batchArgument}"),
    ("live run", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false{batchArgument}"),
    ("Test-MigrationIntegrity", "$checks = @(Test-MigrationIntegrity -ConnectionString $args[0]); [pscustomobject]@{ UsersMigrated = [long]($checks | Where-Object Name -eq 'Reconciliation').Observed.Split(' ')[2]; Status = if (@($checks | Where-Object { -not $_.Passed }).Count) { 'Failed' } else { 'Passed' } }"),
})
{
    GC.Collect();
    var server = ServerCounters(cs);
    using var sampler = new PeakSampler();
    var watch = Stopwatch.StartNew();
    var result = Invoke(runspace, script, cs, reports).Single();
    watch.Stop();
    var after = ServerCounters(cs);
    var migrated = (long)result.Properties["UsersMigrated"].Value;
    var statements = after.Calls - server.Calls - 2; // the two counter queries themselves
    rows.Add([
        name,
        migrated.ToString("N0", CultureInfo.InvariantCulture),
        watch.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
        (migrated / watch.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
        (sampler.PeakBytes / 1024.0 / 1024).ToString("N0", CultureInfo.InvariantCulture),
        (statements * 1000.0 / Math.Max(1, migrated)).ToString("N1", CultureInfo.InvariantCulture),
        ((after.ExecMs - server.ExecMs) / 1000).ToString("N2", CultureInfo.InvariantCulture),
        (string)result.Properties["Status"].Value,
    ]);
}

Console.WriteLine();
string[] header = ["phase", "users", "seconds", "users/s", "peak RSS MB", "statements/1k users", "server exec s", "status"];
var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
Console.WriteLine("| " + string.Join(" | ", widths.Select(w => new string('-', w))) + " |");
foreach (var row in rows)
{
    Console.WriteLine("| " + string.Join(" | ", row.Select((v, i) => i == 0 || i == 7 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |");
}

Directory.Delete(reports, recursive: true);
if (keep)
{
    Console.WriteLine($"Cluster kept: psql '{cluster.Url("bench")}'");
}

return 0;

static List<PSObject> Invoke(Runspace runspace, string script, params object[] args)
{
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript(script);
    foreach (var arg in args)
    {
        ps.AddArgument(arg);
    }

    var output = ps.Invoke().ToList();
    if (ps.HadErrors)
    {
        throw new InvalidOperationException(string.Join("\n", ps.Streams.Error.Select(e => e.ToString())));
    }

    return output;
}

static (long Calls, double ExecMs) ServerCounters(string cs)
{
    using var c = new NpgsqlConnection(cs + ";Application Name=bench-counters");
    c.Open();
    using var command = new NpgsqlCommand("SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(total_exec_time), 0)::float8 FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()", c);
    using var reader = command.ExecuteReader();
    reader.Read();
    return (reader.GetInt64(0), reader.GetDouble(1));
}

static double AverageBlob(string cs)
{
    using var c = new NpgsqlConnection(cs);
    c.Open();
    using var command = new NpgsqlCommand("SELECT avg(octet_length(data::text))::float8 FROM \"Profile\"", c);
    return (double)command.ExecuteScalar()!;
}

static void Exec(NpgsqlConnection c, string sql)
{
    using var command = new NpgsqlCommand(sql, c);
    command.CommandTimeout = 0;
    command.ExecuteNonQuery();
}

static string FindManifest()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var path = Path.Combine(dir.FullName, "out", "Matchmade", "Matchmade.psd1");
        if (File.Exists(path))
        {
            return path;
        }
    }

    throw new FileNotFoundException("out/Matchmade/Matchmade.psd1 not found: run dotnet build first.");
}

/// <summary>Samples this process's resident set every 20 ms and keeps the highest.</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly Timer timer;
    private long peak;

    public PeakSampler()
    {
        Sample();
        timer = new Timer(_ => Sample(), null, 0, 20);
    }

    public long PeakBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peak);
        }
    }

    public void Dispose() => timer.Dispose();

    private void Sample()
    {
        using var process = Process.GetCurrentProcess();
        var rss = process.WorkingSet64;
        long seen;
        while (rss > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, rss, seen) != seen)
        {
        }
    }
}
