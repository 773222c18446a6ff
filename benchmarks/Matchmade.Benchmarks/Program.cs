using System.Diagnostics;
using System.Globalization;
using System.Management.Automation.Runspaces;
using Matchmade.Fixtures;
using Npgsql;

// The migration's benchmark: a throwaway cluster with realistic durability settings, N synthetic users, then the
// dry run and the live run of Invoke-ProfileMigration through the real PowerShell engine (the built module).
// Prints users/s, peak RSS of this process during each phase, statements per 1,000 users and server time; per data
// shape (-Shape) and per one-way latency of the link to the server (-LatencyMs, through a latency-injecting proxy).
var users = 100_000;
int? batchSize = null;
var workers = 2;
var workersGiven = false; // -Profile runs a second live run only when -ThrottleLimit is given
var keep = false;
var loadOnly = false;
var profile = false; // -Profile: ShapeProfile.cs
var save = true;
var speedOnly = false;
var memoryOnly = false;
var appWrites = 20_000;
var syncUsers = 10_000;
var shapes = new List<DataShape> { DataShape.Synthetic };
var latencies = new List<double> { 0 };
for (var i = 0; i < args.Length; i++)
{
    switch (args[i].TrimStart('-').ToLowerInvariant())
    {
        case "users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "batchsize": batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "throttlelimit": workers = int.Parse(args[++i], CultureInfo.InvariantCulture); workersGiven = true; break;
        case "keep": keep = true; break;
        case "loadonly": loadOnly = true; break;
        case "profile": profile = true; break;
        case "nosave": save = false; break;
        case "speedonly": speedOnly = true; break;
        case "memoryonly": memoryOnly = true; break;
        case "chartonly": Results.Redraw(); return 0;
        case "appwrites": appWrites = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "syncusers": syncUsers = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "shape" when RunOptions.Shapes(args[++i]) is { } chosen: shapes = chosen; break;
        case "latencyms" when RunOptions.Latencies(args[++i]) is { } chosen: latencies = chosen; break;
        case "shape" or "latencyms": return 2; // said why
        case "serveload": ChildProcess.ServeLoad(args[i + 1], args[i + 2], args[i + 3]); return 0;
        case "serveproxy": LatencyProxy.Serve(args[i + 1], int.Parse(args[i + 2], CultureInfo.InvariantCulture), double.Parse(args[i + 3], CultureInfo.InvariantCulture)); return 0;
        default: Console.Error.WriteLine($"Unknown option {args[i]}. Options: -Users N (default 100000), -BatchSize N, -ThrottleLimit N (the second live run's workers, default 2; 1 = no second run), -AppWrites N (default 20000), -SyncUsers N (default 10000), -Shape synthetic|conflict-heavy|large-blobs|all (or a comma list; default synthetic), -LatencyMs N[,N...] (one-way, default 0), -SpeedOnly (the live runs, the floor and the seed-style baseline only), -MemoryOnly (the dry and live runs only, each with what its peak RSS is made of), -Profile (the core's live run and the floor with client and server CPU per shape, and with -ThrottleLimit N a live run with N workers: ShapeProfile.cs), -Keep, -LoadOnly, -NoSave, -ChartOnly"); return 2;
    }
}

var manifest = Bench.FindManifest();
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
var reports = Directory.CreateTempSubdirectory("matchmade-bench-").FullName;
var state = InitialSessionState.CreateDefault2();
using var runspace = RunspaceFactory.CreateRunspace(state);
runspace.Open();
Bench.Invoke(runspace, "Import-Module -Name $args[0] -ErrorAction Stop", manifest);
var batchArgument = batchSize is { } b ? $" -BatchSize {b}" : string.Empty;
string[] header = ["phase", "users", "seconds", "users/s", "RSS at start MB", "peak RSS MB", "statements/1k users", "server exec s", "WAL records/user", "status"];
const int StatusColumn = 9;
var summary = new List<string[]>();
var failed = new List<string>();
var round = 0;
foreach (var shape in shapes)
{
    // Each shape in its own database, loaded straight (not through the link): loading is not what is measured.
    var database = RunOptions.Database(shape);
    Bench.Exec(cluster.ConnectionString(), $"CREATE DATABASE {database}");
    var cs = cluster.ConnectionString(database);
    SampleLoadResult loaded;
    using (var c = new NpgsqlConnection(cs))
    {
        c.Open();
        SourceSchema.Apply(c);
        Bench.Exec(c, "CREATE EXTENSION pg_stat_statements");
        loaded = ChildProcess.Load(cs, users, shape); // in a child process: not in this process's peak RSS
        Bench.Exec(c, "VACUUM ANALYZE");
    }

    Console.WriteLine($"Loaded {loaded.Users:N0} users ({DataShapes.Name(shape)}), {loaded.ContextProfiles:N0} ContextProfiles, {loaded.Profiles:N0} Profiles, {loaded.ChatMessages:N0} ChatMessages in {loaded.Elapsed.TotalSeconds:N1} s ({loaded.Users / loaded.Elapsed.TotalSeconds:N0} users/s); average blob {Bench.AverageBlob(cs):N0} bytes.");
    if (loadOnly || profile)
    {
        if (profile)
        {
            ShapeProfile.Run(cs, cluster.DataDirectory, loaded.Users, reports, workersGiven ? workers : 1);
        }

        continue;
    }

    for (var k = 0; k < latencies.Count; k++, round++)
    {
        // Every statement the measured phases, the floor and the seed-style baseline send goes through the link; the
        // counters, the app's writes and the resets between latencies go straight to the server.
        using var link = LatencyLink.Start(cluster.Host, cluster.Port, latencies[k]);
        var via = link?.Wrap(cs) ?? cs;
        if (k > 0)
        {
            // Untimed: back to the old tables alone and the blobs as loaded, so this latency measures the same runs.
            Bench.Invoke(runspace, "$null = Undo-ProfileMigration -ConnectionString $args[0] -Confirm:$false", cs);
            if (!speedOnly && !memoryOnly) // only the transition's phases change blobs
            {
                RoundData.Restore(cs);
            }
        }

        var roundTrip = Bench.RoundTripMs(via);
        var rows = new List<string[]>();
        var phases = new List<(string Name, string Script)>();
        if (!speedOnly)
        {
            phases.Add(("dry run (-WhatIf)", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf{batchArgument}"));
        }

        phases.Add(("live run", $"Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false{batchArgument}"));
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
        if (!speedOnly)
        {
            var syncScript = $"$s = Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false{batchArgument}; [pscustomobject]@{{ UsersMigrated = $s.UsersResynced + $s.UsersCreated; Status = $s.Status }}";
            phases.Add(($"Sync-ProfileMigration ({changed:N0} changed)", syncScript));
            phases.Add(($"Sync-ProfileMigration ({changed:N0} re-saved, rows the same)", syncScript));
            phases.Add(($"Sync-ProfileMigration ({changed:N0} edited, rows differ)", syncScript));
            if (workers > 1)
            {
                phases.Add(($"Sync-ProfileMigration ({changed:N0} edited, rows differ, {workers} workers)", syncScript.Replace("-Confirm:$false", $"-Confirm:$false -ThrottleLimit {workers}", StringComparison.Ordinal)));
            }

            phases.Add((ContinuousBenchmark.Phase, ContinuousBenchmark.Script));
            phases.Add(("Sync-ProfileMigration -Full", $"$s = Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Full -Confirm:$false{batchArgument}; [pscustomobject]@{{ UsersMigrated = [long]{users}; Status = $s.Status }}"));
            phases.Add(("Test-MigrationIntegrity", "$checks = @(Test-MigrationIntegrity -ConnectionString $args[0]); [pscustomobject]@{ UsersMigrated = [long]($checks | Where-Object Name -eq 'Reconciliation').Observed.Split(' ')[2]; Status = if (@($checks | Where-Object { -not $_.Passed }).Count) { 'Failed' } else { 'Passed' } }"));
        }

        string? following = null;
        var edits = 0;
        var findings = string.Empty;
        string? liveReport = null;
        var memory = new List<string> { MemoryLines.Baseline() };
        var client = new List<string>();
        foreach (var (name, script) in phases.Where(p => !memoryOnly || MemoryLines.IsMigrationRun(p.Name)))
        {
            Bench.GiveBackMemory();
            if (name.StartsWith("Sync-ProfileMigration (", StringComparison.Ordinal) && name.Contains("edited, rows differ", StringComparison.Ordinal))
            {
                // Untimed: the app edits a field of every blob of the same users, each time to a new value: every user's
                // rows differ (unlike the first sync's, of which the latency measurement rewrote most but not all), and
                // both phases, one worker and more, sync the same work.
                TransitionBenchmark.EditUsers(cs, changed, ++edits);
            }
            else if (name.StartsWith("Sync-ProfileMigration (", StringComparison.Ordinal) && name.EndsWith("rows the same)", StringComparison.Ordinal))
            {
                // Untimed: the app re-saves every blob of the same users as it is (the edit below, made again): each is
                // recorded, and every user comes out as its new rows already are.
                TransitionBenchmark.ChangeUsers(cs, changed);
            }
            else if (name.StartsWith("Sync-ProfileMigration (", StringComparison.Ordinal))
            {
                // Untimed: the app's writes with and without the tracking trigger (installed by the live runs above; once
                // per shape: it measures the trigger, not the link), then one more edit of each changed user: what the
                // timed sync brings over.
                if (k + 1 < latencies.Count)
                {
                    RoundData.Keep(cs, changed);
                }

                latency = k == 0 ? TransitionBenchmark.AppWriteLatency(cs, changed, appWrites) : null;
                TransitionBenchmark.ChangeUsers(cs, changed);
            }

            using var continuous = name == ContinuousBenchmark.Phase ? ContinuousBenchmark.Start(cs, changed) : null;
            var startRss = Process.GetCurrentProcess().WorkingSet64;
            var server = Bench.ServerCounters(cs);
            using var sampler = new PeakSampler();
            var cost = ClientCost.Now();
            var watch = Stopwatch.StartNew();
            var result = Bench.Invoke(runspace, script, via, reports).Single();
            watch.Stop();
            client.Add(ClientCost.Now().Since(cost, name));
            following ??= continuous?.Finish();
            var after = Bench.ServerCounters(cs);
            var migrated = (long)result.Properties["UsersMigrated"].Value;
            var statements = after.Calls - server.Calls - 2; // the two counter queries themselves
            liveReport = name == "live run" ? result.Properties["ReportPath"].Value as string : liveReport;
            findings = name == "live run" ? $"live run findings: {result.Properties["Conflicts"].Value:N0} conflicts, {result.Properties["UnmappedFields"].Value:N0} unmapped fields, {result.Properties["InvalidValues"].Value:N0} invalid values." : findings;
            rows.Add([
                name,
                migrated.ToString("N0", CultureInfo.InvariantCulture),
                watch.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
                (migrated / watch.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
                (startRss / 1024.0 / 1024).ToString("N0", CultureInfo.InvariantCulture),
                (sampler.PeakBytes / 1024.0 / 1024).ToString("N0", CultureInfo.InvariantCulture),
                (statements * 1000.0 / Math.Max(1, migrated)).ToString("N1", CultureInfo.InvariantCulture),
                ((after.ExecMs - server.ExecMs) / 1000).ToString("N2", CultureInfo.InvariantCulture),
                ((double)(after.WalRecords - server.WalRecords) / Math.Max(1, migrated)).ToString("N1", CultureInfo.InvariantCulture),
                (string)result.Properties["Status"].Value,
            ]);
            memory.Add(sampler.Describe(name, migrated));
        }

        if (memoryOnly)
        {
            Bench.PrintTable(header, rows, StatusColumn);
            MemoryLines.Print(memory);
            failed.AddRange(rows.Where(r => r[StatusColumn] is not ("Completed" or "Passed")).Select(r => $"{r[0]}: {r[StatusColumn]}"));
            continue;
        }

        // The floor: what moving the same bytes costs with no transform at all (issue 6), over the same link.
        var floor = Baselines.Floor(via);
        rows.Add(["floor (read + COPY)", users.ToString("N0", CultureInfo.InvariantCulture), floor.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
            (users / floor.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture), "-", "-", "-", "-", "-", "-"]);

        // The seed's design: one transaction per user, one INSERT per row, on a sample of the same shape, over the same link.
        var sample = RunOptions.SeedSample(users, latencies[k]);
        var seedStyle = Baselines.SeedStyle(cluster, $"bench_seed_{round}", sample, shape, x => link?.Wrap(x) ?? x);
        rows.Add(["seed-style (sample)", sample.ToString("N0", CultureInfo.InvariantCulture), seedStyle.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture),
            (sample / seedStyle.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture), "-", "-", (seedStyle.Statements * 1000.0 / sample).ToString("N1", CultureInfo.InvariantCulture), "-", "-", "Completed"]);
        if (k == latencies.Count - 1 && !speedOnly)
        {
            // The completion last (issue 14): it renames ProfileNew and moves the old Profile away, which the phases above read.
            rows.Add(CompletionBenchmark.Run(script => Bench.Invoke(runspace, script, via).Single(), cs, Math.Min(1_000, users)));
        }

        Console.WriteLine();
        Console.WriteLine($"Shape {DataShapes.Name(shape)}, {RunOptions.Link(latencies[k], roundTrip)}:");
        Bench.PrintTable(header, rows, StatusColumn);
        Console.WriteLine();
        Console.WriteLine(findings);
        if (liveReport is not null && File.Exists(liveReport) && !speedOnly)
        {
            Console.WriteLine(ExportBenchmark.Run(runspace, liveReport, reports));
        }

        if (k == 0 && latency is not null)
        {
            Console.WriteLine(latency);
        }

        Console.WriteLine(following);
        MemoryLines.Print(memory);
        ClientCost.Print(client);

        summary.Add(Results.SummaryRow(DataShapes.Name(shape), latencies[k], roundTrip, rows));
        if (save)
        {
            Results.Save(users, DataShapes.Name(shape), latencies[k], roundTrip, header, rows);
        }

        // A phase that did not end as it should fails the benchmark (and so CI's smoke run): figures of a failed run mean nothing.
        failed.AddRange(rows.Where(r => r[StatusColumn] is not ("Completed" or "Passed" or "-")).Select(r => $"{DataShapes.Name(shape)}, {latencies[k]} ms, {r[0]}: {r[StatusColumn]}"));
    }

    if (shapes.Count > 1 && !keep)
    {
        NpgsqlConnection.ClearAllPools();
        Bench.Exec(cluster.ConnectionString(), $"DROP DATABASE {database} WITH (FORCE)"); // the next shape's disk space
    }
}

if (summary.Count > 1)
{
    Console.WriteLine();
    Bench.PrintTable(Results.SummaryHeader, summary, 1);
}

Console.WriteLine(MemoryLines.ProcessPeak());
Directory.Delete(reports, recursive: true);
if (keep)
{
    Console.WriteLine($"Cluster kept: psql '{cluster.Url(RunOptions.Database(shapes[^1]))}'");
}

if (failed.Count > 0)
{
    Console.Error.WriteLine($"benchmark: {failed.Count} phase(s) did not complete: {string.Join("; ", failed)}");
    return 1;
}

return 0;
