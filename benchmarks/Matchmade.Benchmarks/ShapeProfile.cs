using System.Diagnostics;
using System.Globalization;
using Matchmade.Core;
using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Npgsql;

/// <summary>
/// <c>-Profile</c>: the live run (core only, one worker, no PowerShell engine) and the floor on a loaded shape, measured
/// with figures a busy machine does not change much: this process's CPU time and allocated bytes, the server's CPU time
/// (every process of the cluster, exited backends included), the server's time and blocks per statement
/// (pg_stat_statements) and its WAL. For docs/performance.md, "Per shape". Set MATCHMADE_PROFILE_PAUSE to attach a
/// profiler (dotnet-trace) before the live run starts. With an explicit <c>-ThrottleLimit N</c> (N &gt; 1) the live run
/// runs again with N workers (after an Undo), to show whether the machine's cores, not the module, bound it: each line
/// says how many cores client and server kept busy together.
/// </summary>
internal static class ShapeProfile
{
    public static void Run(string cs, string dataDirectory, long users, string reports, int workers)
    {
        Bench.GiveBackMemory();
        Reset(cs);
        if (Environment.GetEnvironmentVariable("MATCHMADE_PROFILE_PAUSE") is not null)
        {
            Console.WriteLine($"pid {Environment.ProcessId}: attach, then press Enter");
            Console.ReadLine();
        }

        var live = Measure(dataDirectory, () => Live(cs, reports, 1));
        Print("live run", live, users, cs);
        Reset(cs);
        var timed = TimeSpan.Zero;
        var floor = Measure(dataDirectory, () => timed = Baselines.Floor(cs));
        Print($"floor (timed part {timed.TotalSeconds:N2} s; the figures include its untimed export)", floor, users, cs);
        if (workers > 1)
        {
            using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs }))
            {
                UndoRunner.Run(target, new UndoOptions { Force = true }, new QuietLog(), CancellationToken.None);
            }

            Bench.GiveBackMemory();
            Reset(cs);
            Print($"live run, {workers} workers", Measure(dataDirectory, () => Live(cs, reports, workers)), users, cs);
        }
    }

    private static void Live(string cs, string reports, int workers)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        var outcome = new MigrationRunner(target, new MigrationOptions { ReportPath = reports, ThrottleLimit = workers }, new QuietLog()).Run(CancellationToken.None);
        Console.WriteLine($"live run ({workers} worker{(workers == 1 ? string.Empty : "s")}): {outcome.Status}, {outcome.UsersMigrated:N0} users, {outcome.Conflicts:N0} conflicts, {outcome.UnmappedFields:N0} unmapped, {outcome.InvalidValues:N0} invalid; report {(new FileInfo(outcome.ReportPath ?? string.Empty) is { Exists: true } f ? f.Length / 1024.0 / 1024 : 0):N1} MB");
    }

    private sealed record Figures(TimeSpan Wall, TimeSpan ClientCpu, TimeSpan ServerCpu, long Allocated);

    private static Figures Measure(string dataDirectory, Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var server = ServerCpu(dataDirectory);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        process.Refresh();
        return new(watch.Elapsed, process.TotalProcessorTime - cpu, ServerCpu(dataDirectory) - server, GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    private static void Print(string name, Figures f, long users, string cs)
    {
        Console.WriteLine($"{name}: wall {f.Wall.TotalSeconds:N2} s, client CPU {f.ClientCpu.TotalSeconds:N2} s ({f.ClientCpu.TotalMilliseconds * 1000 / users:N1} µs/user), server CPU {f.ServerCpu.TotalSeconds:N2} s, allocated {f.Allocated / (double)users:N0} B/user; cores busy {(f.ClientCpu + f.ServerCpu) / f.Wall:N2} of {Environment.ProcessorCount}");
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var command = new NpgsqlCommand(
            "SELECT calls, round(total_exec_time::numeric, 0), rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_records, wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database() ORDER BY total_exec_time DESC LIMIT 8", c);
        using var reader = command.ExecuteReader();
        Console.WriteLine("  calls | exec ms | rows | blks hit | blks read | dirtied | wal records | wal bytes | statement");
        while (reader.Read())
        {
            Console.WriteLine("  " + string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
        }
    }

    private static void Reset(string cs)
    {
        Bench.Exec(cs, "SELECT pg_stat_statements_reset()");
    }

    /// <summary>User + system CPU of the cluster: the postmaster, its children now, and the children it has reaped.</summary>
    private static TimeSpan ServerCpu(string dataDirectory)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } s && (pid == postmaster || s.Parent == postmaster))
            {
                ticks += s.User + s.System + (pid == postmaster ? s.ChildUser + s.ChildSystem : 0);
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static (int Parent, long User, long System, long ChildUser, long ChildSystem)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' '); // f[0] is field 3 (state)
            return (int.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[11], CultureInfo.InvariantCulture), long.Parse(f[12], CultureInfo.InvariantCulture), long.Parse(f[13], CultureInfo.InvariantCulture), long.Parse(f[14], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class QuietLog : IOperationLog
    {
        public void Verbose(string message)
        {
        }

        public void Warning(string message) => Console.WriteLine($"warning: {message}");

        public void Progress(OperationProgress progress)
        {
        }
    }
}
