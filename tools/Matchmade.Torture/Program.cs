using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;

// The torture run. A child process (this program with --client) migrates; the parent interrupts it at random moments
// after it has committed at least one batch, in three ways, and starts it again; an observer connection checks all
// the while that no user has a ProfileNew without all its ContextIntents or the reverse. Every interruption must really
// hit: the client exits non-zero, the observer completed checks while that attempt ran, and the run history records
// the attempt as Interrupted or Failed. At the end the new tables must hold exactly what one uninterrupted run (on a
// copy of the same data) wrote, and the run history must show every attempt, in order.
if (args.Length == 5 && args[0] == "--client")
{
    return Client.Run(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture));
}

var users = 100_000;
var interruptions = 50;
var seed = 1;
var batchSize = 400;
var maxDelayMs = 250;
var keep = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i].TrimStart('-').ToLowerInvariant())
    {
        case "users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "interruptions": interruptions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "batchsize": batchSize = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "maxdelayms": maxDelayMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "keep": keep = true; break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: -Users N (100000), -Interruptions N (50), -Seed N (1), -BatchSize N (400), -MaxDelayMs N (250: how long after its first committed batch a client is interrupted, at most), -Keep");
            return 2;
    }
}

var total = Stopwatch.StartNew();
Console.WriteLine($"Matchmade torture run: {users:N0} users, {interruptions} interruptions (SIGKILL of the client, pg_terminate_backend, immediate server restart), seed {seed}, batch size {batchSize}, {Environment.ProcessorCount} cores");
using var cluster = LocalCluster.Start(new LocalClusterOptions { Keep = keep, Durable = true });
using (var admin = Open(cluster.ConnectionString()))
{
    Exec(admin, "CREATE DATABASE torture");
}

var cs = cluster.ConnectionString("torture");
using (var c = Open(cs))
{
    SourceSchema.Apply(c);
    var loaded = SampleData.LoadSynthetic(c, users, seed: 42);
    Exec(c, "VACUUM ANALYZE");
    Console.WriteLine($"Loaded {loaded.Users:N0} users, {loaded.ContextProfiles:N0} ContextProfiles, {loaded.Profiles:N0} Profiles in {loaded.Elapsed.TotalSeconds:N1} s.");
}

using (var admin = Open(cluster.ConnectionString()))
{
    Exec(admin, "CREATE DATABASE reference TEMPLATE torture");
}

var reports = Directory.CreateTempSubdirectory("matchmade-torture-").FullName;
var failures = new List<string>();
try
{
    // One uninterrupted run on a copy of the same data: what the tortured run must end up with.
    var referenceCs = cluster.ConnectionString("reference");
    var reference = ClientProcess.Start(referenceCs, reports, batchSize, throttle: 1);
    reference.WaitForExit(TimeSpan.FromMinutes(30));
    if (reference.ExitCode != 0)
    {
        Console.Error.WriteLine($"The uninterrupted reference run failed: {reference.LastLine}");
        return 1;
    }

    string expected;
    using (var c = Open(referenceCs))
    {
        expected = DbAssert.NewTablesContentHash(c);
    }

    Console.WriteLine($"Reference run (uninterrupted): {reference.LastLine}");

    var observer = new Observer(cs);
    var random = new Random(seed);
    var kinds = Enumerable.Range(0, interruptions).Select(i => (Interruption)(i % 3)).OrderBy(_ => random.Next()).ToList();
    var attempts = 0;
    var done = 0;
    foreach (var kind in kinds)
    {
        var throttle = 1 + random.Next(2);
        attempts++;
        var checksAtStart = observer.Checks;
        var client = ClientProcess.Start(cs, reports, batchSize, throttle);
        if (!client.WaitForFirstBatch(TimeSpan.FromMinutes(2)))
        {
            client.WaitForExit(TimeSpan.FromMinutes(1));
            failures.Add($"attempt {attempts} ended before committing a batch (the migration finished after {done} interruptions: use more -Users or a smaller -BatchSize): {client.LastLine}");
            break;
        }

        var delay = random.Next(0, maxDelayMs + 1);
        Thread.Sleep(delay);
        var checksDuring = observer.Checks - checksAtStart;
        var interruptedAt = Stopwatch.StartNew();
        switch (kind)
        {
            case Interruption.KillClient:
                client.Kill();
                break;
            case Interruption.TerminateBackend:
                using (var admin = Open(cluster.ConnectionString()))
                {
                    Exec(admin, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'torture' AND application_name = '{DatabaseTarget.ApplicationName}'");
                }

                break;
            case Interruption.RestartServer:
                cluster.Restart(immediate: true);
                break;
        }

        if (!client.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            client.Kill();
            failures.Add($"attempt {attempts}: the client did not stop within 60 s of {kind}");
            break;
        }

        done++;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"#{done,2} {kind,-16} {throttle} worker(s), {delay,3} ms after its first batch: client ended in {interruptedAt.ElapsedMilliseconds,5} ms, exit {client.ExitCode,3}; {checksDuring,4} observer checks while it ran; {MigratedUsers(cs),7:N0} users migrated; {client.LastLine}"));

        // An interruption that missed (the client finished anyway, or the observer slept through it) proves nothing.
        if (client.ExitCode == 0)
        {
            failures.Add($"attempt {attempts}: the client exited 0 after {kind}: the interruption did not hit ({client.LastLine})");
        }

        if (checksDuring == 0)
        {
            failures.Add($"attempt {attempts}: the observer completed no check while the client ran before {kind}");
        }
    }

    // The last run goes to the end.
    attempts++;
    var last = ClientProcess.Start(cs, reports, batchSize, throttle: 1);
    if (!last.WaitForExit(TimeSpan.FromMinutes(30)) || last.ExitCode != 0)
    {
        failures.Add($"the final run did not complete: {last.LastLine}");
    }

    Console.WriteLine($"Final run: {last.LastLine}");
    var observed = observer.Stop();
    string actual;
    List<(string Status, long Runs)> history;
    List<string> statuses;
    using (var c = Open(cs))
    {
        actual = DbAssert.NewTablesContentHash(c);
        history = Query(c, "SELECT status, count(*) FROM matchmade.run GROUP BY status ORDER BY status", r => (r.GetString(0), r.GetInt64(1)));
        statuses = Query(c, "SELECT status FROM matchmade.run ORDER BY started_at, run_id", r => r.GetString(0));
    }

    var rows = history.Sum(h => h.Runs);
    Console.WriteLine();
    Console.WriteLine($"| interruptions survived | {done} ({kinds.Take(done).Count(k => k == Interruption.KillClient)} SIGKILL of the client, {kinds.Take(done).Count(k => k == Interruption.TerminateBackend)} pg_terminate_backend, {kinds.Take(done).Count(k => k == Interruption.RestartServer)} immediate server restarts) |");
    Console.WriteLine($"| runs started / in the run history | {attempts} / {rows} ({string.Join(", ", history.Select(h => $"{h.Runs} {h.Status}"))}) |");
    Console.WriteLine($"| observer checks / half-migrated users seen | {observed.Checks:N0} / {observed.Violations:N0} |");
    Console.WriteLine($"| rows compared with the uninterrupted run | {observed.Rows:N0} (ProfileNew + ContextIntent); content hash {(actual == expected ? "equal" : "DIFFERENT")} |");
    Console.WriteLine($"| elapsed | {total.Elapsed.TotalSeconds:N0} s |");

    if (done < interruptions && failures.Count == 0)
    {
        failures.Add($"only {done} of {interruptions} interruptions happened");
    }

    if (actual != expected)
    {
        failures.Add("the new tables differ from the uninterrupted run's");
    }

    if (observed.Violations > 0)
    {
        failures.Add($"the observer saw half-migrated users {observed.Violations} time(s), first: {observed.FirstViolation}");
    }

    if (observed.Checks == 0)
    {
        failures.Add("the observer never completed a check");
    }

    if (rows != attempts || history.Any(h => h.Status == "Running"))
    {
        failures.Add($"the run history has {rows} runs for {attempts} attempts ({string.Join(", ", history.Select(h => $"{h.Runs} {h.Status}"))})");
    }

    // The attempts ran one after the other, so the history in start order is the attempts in order: each interrupted
    // one Interrupted (killed, or its session terminated with the server's) or Failed (it saw the failure and said so).
    for (var a = 0; a < Math.Min(done, statuses.Count); a++)
    {
        if (statuses[a] is not ("Interrupted" or "Failed"))
        {
            failures.Add($"attempt {a + 1} ({kinds[a]}) is {statuses[a]} in the run history, not Interrupted or Failed");
        }
    }

    if (statuses.Count == attempts && statuses[^1] != "Completed")
    {
        failures.Add($"the final run is {statuses[^1]} in the run history, not Completed");
    }
}
finally
{
    Directory.Delete(reports, recursive: true);
}

foreach (var failure in failures)
{
    Console.Error.WriteLine("FAILED: " + failure);
}

Console.WriteLine(failures.Count == 0 ? "Torture run passed." : "Torture run FAILED.");
return failures.Count == 0 ? 0 : 1;

static NpgsqlConnection Open(string connectionString)
{
    var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "torture", Pooling = false }.ConnectionString);
    connection.Open();
    return connection;
}

static void Exec(NpgsqlConnection connection, string sql)
{
    using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
    command.ExecuteNonQuery();
}

static List<T> Query<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> read)
{
    using var command = new NpgsqlCommand(sql, connection);
    using var reader = command.ExecuteReader();
    var rows = new List<T>();
    while (reader.Read())
    {
        rows.Add(read(reader));
    }

    return rows;
}

static long MigratedUsers(string connectionString)
{
    using var c = Open(connectionString);
    return Query(c, "SELECT count(*) FROM \"ProfileNew\"", r => r.GetInt64(0))[0];
}
