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
var workers = 2;
var keep = false;
var loadOnly = false;
var save = true;
var appWrites = 20_000;
var syncUsers = 10_000;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i].TrimStart('-').ToLowerInvariant())
    {
        case "users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "batchsize": batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "throttlelimit": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "keep": keep = true; break;
        case "loadonly": loadOnly = true; break;
        case "nosave": save = false; break;
        case "chartonly": Results.Redraw(); return 0;
        case "appwrites": appWrites = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "syncusers": syncUsers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}. Options: -Users N (default 100000), -BatchSize N, -ThrottleLimit N (the second live run's workers, default 2; 1 = no second run), -AppWrites N (default 20000), -SyncUsers N (default 10000), -Keep, -LoadOnly, -NoSave, -ChartOnly"); return 2;
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
var phases = new List<(string Name, string Script)>
{
    ("dry run (-WhatIf)", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf{batchArgument}"),
    ("live run", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false{batchArgument}"),
};
if (workers > 1)
{
    // The same live run again with more workers, on the same data: undo the first run (timed too), then migrate again.
    phases.Add(("Undo-ProfileMigration", "$u = Undo-ProfileMigration -ConnectionString $args[0] -Confirm:$false; [pscustomobject]@{ UsersMigrated = $u.ProfileNewRows; Status = if ($u.Dropped) { 'Completed' } else { 'Failed' } }"));
    phases.Add(($"live run, {workers} workers", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false -ThrottleLimit {workers}{batchArgument}"));
}

// The transition (issue 13): with tracking installed by the live run, the app's write latency with and without the
// trigger, then a sync of the users those writes (and one more edit of each) changed.
var changed = Math.Min(syncUsers, users);
AppWriteFigures? latency = null;
phases.Add(($"Sync-ProfileMigration ({changed:N0} changed)", $"$s = Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false{batchArgument}; [pscustomobject]@{{ UsersMigrated = $s.UsersResynced + $s.UsersCreated; Status = $s.Status }}"));
phases.Add((ContinuousBenchmark.Phase, ContinuousBenchmark.Script));
phases.Add(("Sync-ProfileMigration -Full", $"$s = Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Full -Confirm:$false{batchArgument}; [pscustomobject]@{{ UsersMigrated = [long]{users}; Status = $s.Status }}"));
string? following = null;

foreach (var (name, script) in phases.Concat(new[]
{
    ("Test-MigrationIntegrity", "$checks = @(Test-MigrationIntegrity -ConnectionString $args[0]); [pscustomobject]@{ UsersMigrated = [long]($checks | Where-Object Name -eq 'Reconciliation').Observed.Split(' ')[2]; Status = if (@($checks | Where-Object { -not $_.Passed }).Count) { 'Failed' } else { 'Passed' } }"),
}))
{
    // Give back what earlier phases (and loading the sample data, in this same process) left behind, so a phase's
    // peak RSS is the engine and the module plus what that phase itself needs.
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    if (name.StartsWith("Sync-ProfileMigration (", StringComparison.Ordinal))
    {
        // Untimed: the app's writes with and without the tracking trigger (installed by the live runs above), then one
        // more edit of each changed user: what the timed sync brings over.
        latency = TransitionBenchmark.AppWriteLatency(cs, changed, appWrites);
        TransitionBenchmark.ChangeUsers(cs, changed);
    }

    using var continuous = name == ContinuousBenchmark.Phase ? ContinuousBenchmark.Start(cs, changed) : null;
    var startRss = Process.GetCurrentProcess().WorkingSet64;
    var server = ServerCounters(cs);
    using var sampler = new PeakSampler();
    var watch = Stopwatch.StartNew();
    var result = Invoke(runspace, script, cs, reports).Single();
    watch.Stop();
    following ??= continuous?.Finish();
    var after = ServerCounters(cs);
    var migrated = (long)result.Properties["UsersMigrated"].Value;
    var statements = after.Calls - server.Calls - 2; // the two counter queries themselves
    rows.Add([
        name,
        migrated.ToString("N0", CultureInfo.InvariantCulture),
        watch.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
        (migrated / watch.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
        (startRss / 1024.0 / 1024).ToString("N0", CultureInfo.InvariantCulture),
        (sampler.PeakBytes / 1024.0 / 1024).ToString("N0", CultureInfo.InvariantCulture),
        (statements * 1000.0 / Math.Max(1, migrated)).ToString("N1", CultureInfo.InvariantCulture),
        ((after.ExecMs - server.ExecMs) / 1000).ToString("N2", CultureInfo.InvariantCulture),
        (string)result.Properties["Status"].Value,
    ]);
}

// The floor: what moving the same bytes costs with no transform at all (issue 6): stream the old rows the migration
// reads out of the server, and binary-COPY the very rows the live run wrote into empty tables shaped like the new
// ones (same indexes, no foreign keys).
var floor = Floor(cs, users);
rows.Add(["floor (read + COPY)", users.ToString("N0", CultureInfo.InvariantCulture), floor.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
    (users / floor.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture), "-", "-", "-", "-", "-"]);

// The seed's design: one transaction per user, one INSERT per row, on a sample.
var sample = Math.Min(users, 20_000);
var seedStyle = SeedStyle(cluster, sample);
rows.Add(["seed-style (sample)", sample.ToString("N0", CultureInfo.InvariantCulture), seedStyle.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
    (sample / seedStyle.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture), "-", "-", (seedStyle.Statements * 1000.0 / sample).ToString("N1", CultureInfo.InvariantCulture), "-", "Completed"]);

Console.WriteLine();
string[] header = ["phase", "users", "seconds", "users/s", "RSS at start MB", "peak RSS MB", "statements/1k users", "server exec s", "status"];
var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
Console.WriteLine("| " + string.Join(" | ", widths.Select(w => new string('-', w))) + " |");
foreach (var row in rows)
{
    Console.WriteLine("| " + string.Join(" | ", row.Select((v, i) => i == 0 || i == 8 ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |");
}

Console.WriteLine();
Console.WriteLine(latency);
Console.WriteLine(following);

Directory.Delete(reports, recursive: true);
if (save)
{
    Results.Save(users, header, rows);
}
if (keep)
{
    Console.WriteLine($"Cluster kept: psql '{cluster.Url("bench")}'");
}

// A phase that did not end as it should fails the benchmark (and so CI's smoke run): figures of a failed run mean nothing.
var failed = rows.Where(r => r[8] is not ("Completed" or "Passed" or "-")).Select(r => $"{r[0]}: {r[8]}").ToList();
if (failed.Count > 0)
{
    Console.Error.WriteLine($"benchmark: {failed.Count} phase(s) did not complete: {string.Join("; ", failed)}");
    return 1;
}

return 0;

static TimeSpan Floor(string cs, int users)
{
    var dumps = Directory.CreateTempSubdirectory("matchmade-floor-").FullName;
    try
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        foreach (var table in new[] { "ProfileNew", "ContextIntent" })
        {
            using (var export = c.BeginRawBinaryCopy($"COPY \"{table}\" TO STDOUT (FORMAT BINARY)"))
            using (var file = File.Create(Path.Combine(dumps, table)))
            {
                export.CopyTo(file);
            }

            Exec(c, $"CREATE TABLE \"floor_{table}\" (LIKE \"{table}\" INCLUDING ALL)");
        }

        var watch = Stopwatch.StartNew();
        using (var read = c.BeginRawBinaryCopy("COPY (SELECT u.id, cp.id, cp.\"contextType\", cp.\"createdAt\", p.data FROM \"User\" u LEFT JOIN \"ContextProfile\" cp ON cp.\"userId\" = u.id LEFT JOIN \"Profile\" p ON p.\"contextProfileId\" = cp.id) TO STDOUT (FORMAT BINARY)"))
        {
            read.CopyTo(Stream.Null);
        }

        foreach (var table in new[] { "ProfileNew", "ContextIntent" })
        {
            using var import = c.BeginRawBinaryCopy($"COPY \"floor_{table}\" FROM STDIN (FORMAT BINARY)");
            using var file = File.OpenRead(Path.Combine(dumps, table));
            file.CopyTo(import);
        }

        watch.Stop();
        Exec(c, "DROP TABLE \"floor_ProfileNew\", \"floor_ContextIntent\"");
        return watch.Elapsed;
    }
    finally
    {
        Directory.Delete(dumps, recursive: true);
    }
}

static (TimeSpan Elapsed, long Statements) SeedStyle(LocalCluster cluster, int sample)
{
    using (var admin = new NpgsqlConnection(cluster.ConnectionString()))
    {
        admin.Open();
        Exec(admin, "CREATE DATABASE bench_seed");
    }

    using var c = new NpgsqlConnection(cluster.ConnectionString("bench_seed"));
    c.Open();
    SourceSchema.Apply(c);
    SampleData.LoadSynthetic(c, sample, seed: 42);
    Exec(c, System.Text.Encoding.UTF8.GetString(Matchmade.Core.Schema.PrismaSchema.MigrationBytes));
    Exec(c, "VACUUM ANALYZE");
    var ids = new List<string>();
    using (var list = new NpgsqlCommand("SELECT id FROM \"User\" ORDER BY id", c))
    using (var reader = list.ExecuteReader())
    {
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }
    }

    var columns = Matchmade.Core.Merge.FieldCatalog.IntentColumns;
    var intentSql = $"INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", {string.Join(", ", columns.Select(x => $"\"{x}\""))}, completeness, missing, \"updatedAt\") VALUES (@id, @user, @type::\"RelationshipContextType\", {string.Join(", ", columns.Select((x, i) => Matchmade.Core.Merge.FieldCatalog.IsJsonIntentColumn(x) ? $"@c{i}::jsonb" : $"@c{i}"))}, @completeness, @missing, now())";
    long statements = 0;
    var watch = Stopwatch.StartNew();
    foreach (var id in ids)
    {
        using var transaction = c.BeginTransaction();
        var contexts = new List<Matchmade.Core.Merge.SourceContext>();
        using (var read = new NpgsqlCommand("SELECT cp.id, cp.\"contextType\"::text, cp.\"createdAt\", p.data::text FROM \"ContextProfile\" cp LEFT JOIN \"Profile\" p ON p.\"contextProfileId\" = cp.id WHERE cp.\"userId\" = @user", c, transaction))
        {
            read.Parameters.AddWithValue("user", id);
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                contexts.Add(new(reader.GetString(0), Matchmade.Core.Merge.ContextTypes.Parse(reader.GetString(1)), reader.GetDateTime(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var merged = Matchmade.Core.Merge.ProfileMerger.Merge(new(id, contexts));
        var p = merged.Profile;
        using (var insert = new NpgsqlCommand("INSERT INTO \"ProfileNew\" (id, \"userId\", \"coreValues\", constraints, beliefs, \"interactionStyle\", lifestyle, location, \"ageRange\", name, completeness, missing, \"updatedAt\") VALUES (@id, @user, @a::jsonb, @b::jsonb, @c::jsonb, @d::jsonb, @e::jsonb, @f, @g, @h, @i, @j, now())", c, transaction))
        {
            insert.Parameters.AddWithValue("id", Matchmade.Core.Migration.Cuid.Next());
            insert.Parameters.AddWithValue("user", id);
            insert.Parameters.AddWithValue("a", p.CoreValues);
            insert.Parameters.AddWithValue("b", p.Constraints);
            insert.Parameters.AddWithValue("c", p.Beliefs);
            insert.Parameters.AddWithValue("d", p.InteractionStyle);
            insert.Parameters.AddWithValue("e", p.Lifestyle);
            insert.Parameters.AddWithValue("f", (object?)p.Location ?? DBNull.Value);
            insert.Parameters.AddWithValue("g", (object?)p.AgeRange ?? DBNull.Value);
            insert.Parameters.AddWithValue("h", (object?)p.Name ?? DBNull.Value);
            insert.Parameters.AddWithValue("i", p.Completeness);
            insert.Parameters.AddWithValue("j", p.Missing.ToArray());
            insert.ExecuteNonQuery();
        }

        foreach (var intent in merged.Intents)
        {
            using var insert = new NpgsqlCommand(intentSql, c, transaction);
            insert.Parameters.AddWithValue("id", Matchmade.Core.Migration.Cuid.Next());
            insert.Parameters.AddWithValue("user", id);
            insert.Parameters.AddWithValue("type", Matchmade.Core.Merge.ContextTypes.ToDbName(intent.ContextType));
            for (var i = 0; i < columns.Count; i++)
            {
                insert.Parameters.AddWithValue($"c{i}", (object?)intent.Values[i] ?? DBNull.Value);
            }

            insert.Parameters.AddWithValue("completeness", intent.Completeness);
            insert.Parameters.AddWithValue("missing", intent.Missing.ToArray());
            insert.ExecuteNonQuery();
            statements++;
        }

        transaction.Commit();
        statements += 4; // BEGIN, the read, the ProfileNew INSERT, COMMIT
    }

    return (watch.Elapsed, statements);
}

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

/// <summary>Keeps each run's figures as JSON under benchmarks/results/ and redraws the users/s chart from all of them.</summary>
internal static class Results
{
    public static void Save(int users, string[] header, List<string[]> rows)
    {
        var directory = Path.Combine(RepoRoot(), "benchmarks", "results");
        Directory.CreateDirectory(directory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var record = new Dictionary<string, object>
        {
            ["users"] = users,
            ["utc"] = stamp,
            ["cores"] = Environment.ProcessorCount,
            ["phases"] = rows.Select(r => header.Select((h, i) => (h, r[i])).ToDictionary(x => x.h, x => x.Item2)).ToList(),
        };
        var path = Path.Combine(directory, $"{stamp}-{users}.json");
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(record, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Figures saved to {path}");
        Chart(directory);
    }

    /// <summary>Redraws the chart from the JSON files already in benchmarks/results/.</summary>
    public static void Redraw() => Chart(Path.Combine(RepoRoot(), "benchmarks", "results"));

    /// <summary>users/s against N for each phase, newest run per N, as a small SVG.</summary>
    private static void Chart(string directory)
    {
        var runs = Directory.GetFiles(directory, "*.json").Select(f => System.Text.Json.JsonDocument.Parse(File.ReadAllText(f)).RootElement)
            .GroupBy(r => r.GetProperty("users").GetInt32()).Select(g => g.OrderBy(r => r.GetProperty("utc").GetString()).Last()).OrderBy(r => r.GetProperty("users").GetInt32()).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        string[] phases = ["dry run (-WhatIf)", "live run", "live run, 2 workers", "Test-MigrationIntegrity", "floor (read + COPY)"];
        string[] colours = ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#7f7f7f"];
        var points = phases.Select(p => runs.Select(r => (N: r.GetProperty("users").GetInt32(), V: r.GetProperty("phases").EnumerateArray().Where(x => x.GetProperty("phase").GetString() == p).Select(x => double.Parse(x.GetProperty("users/s").GetString()!, NumberStyles.Number, CultureInfo.InvariantCulture)).FirstOrDefault())).Where(x => x.V > 0).ToList()).ToList();
        var maxV = Math.Max(1, points.SelectMany(p => p).DefaultIfEmpty().Max(x => x.V)) * 1.1;
        var minN = Math.Log10(runs.Min(r => r.GetProperty("users").GetInt32())) - 0.2;
        var maxN = Math.Log10(runs.Max(r => r.GetProperty("users").GetInt32())) + 0.2;
        double X(int n) => 70 + (Math.Log10(n) - minN) / Math.Max(0.1, maxN - minN) * 560;
        double Y(double v) => 330 - v / maxV * 300;
        var svg = new System.Text.StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"380\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"800\" height=\"380\" fill=\"white\"/>\n");
        svg.Append("<text x=\"400\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">Matchmade: users/s against users (2 cores, PostgreSQL on the same machine)</text>\n");
        svg.Append("<line x1=\"70\" y1=\"330\" x2=\"640\" y2=\"330\" stroke=\"black\"/><line x1=\"70\" y1=\"30\" x2=\"70\" y2=\"330\" stroke=\"black\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var v = maxV * t / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"64\" y=\"{Y(v) + 4:F0}\" text-anchor=\"end\">{v:N0}</text><line x1=\"70\" y1=\"{Y(v):F0}\" x2=\"640\" y2=\"{Y(v):F0}\" stroke=\"#ddd\"/>\n");
        }

        foreach (var r in runs)
        {
            var n = r.GetProperty("users").GetInt32();
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(n):F0}\" y=\"348\" text-anchor=\"middle\">{n:N0}</text>\n");
        }

        for (var i = 0; i < phases.Length; i++)
        {
            if (points[i].Count == 0)
            {
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colours[i]}\" stroke-width=\"2\" points=\"{string.Join(" ", points[i].Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.N):F0},{Y(p.V):F0}")))}\"/>\n");
            foreach (var p in points[i])
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.N):F0}\" cy=\"{Y(p.V):F0}\" r=\"3\" fill=\"{colours[i]}\"/>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{20 + i * 155}\" y=\"370\" fill=\"{colours[i]}\">{phases[i]}</text>\n");
        }

        File.WriteAllText(Path.Combine(directory, "users-per-second.svg"), svg.Append("</svg>\n").ToString());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
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
