using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Npgsql;

/// <summary>The benchmark's small helpers: running a script in the engine, the server's counters, a table on the console.</summary>
internal static class Bench
{
    /// <summary>
    /// Gives back what earlier phases (and loading the sample data, in this same process) left behind, so a phase's
    /// peak RSS is the engine and the module plus what that phase itself needs.
    /// </summary>
    public static void GiveBackMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    public static List<PSObject> Invoke(Runspace runspace, string script, params object[] args)
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

    /// <summary>
    /// Statements and their server execution in this database (pg_stat_statements), and the WAL records the whole
    /// cluster has written (pg_stat_wal: the benchmark's cluster, where nothing else writes during a phase but the
    /// -Continuous phase's app writer): a phase's cost on the server that does not depend on the machine's load.
    /// </summary>
    public static (long Calls, double ExecMs, long WalRecords) ServerCounters(string cs)
    {
        using var c = new NpgsqlConnection(cs + ";Application Name=bench-counters");
        c.Open();
        using var command = new NpgsqlCommand("""
            SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(total_exec_time), 0)::float8, (SELECT wal_records FROM pg_stat_wal)
            FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()
            """, c);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetDouble(1), reader.GetInt64(2));
    }

    public static double AverageBlob(string cs)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var command = new NpgsqlCommand("SELECT coalesce(avg(octet_length(data::text)), 0)::float8 FROM \"Profile\"", c);
        command.CommandTimeout = 0;
        return (double)command.ExecuteScalar()!;
    }

    /// <summary>The median of 21 <c>SELECT 1</c> round trips on one open connection (after 10 to warm up), in ms: what the link costs a statement.</summary>
    public static double RoundTripMs(string cs)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var command = new NpgsqlCommand("SELECT 1", c);
        var times = new List<double>();
        for (var i = 0; i < 31; i++)
        {
            var watch = Stopwatch.StartNew();
            command.ExecuteScalar();
            if (i >= 10)
            {
                times.Add(watch.Elapsed.TotalMilliseconds);
            }
        }

        return times.Order().ElementAt(times.Count / 2);
    }

    public static void Exec(NpgsqlConnection c, string sql)
    {
        using var command = new NpgsqlCommand(sql, c);
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    public static void Exec(string cs, string sql)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        Exec(c, sql);
    }

    public static string FindManifest()
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

    /// <summary>A heading after a blank line, then one Markdown list item per line: the per-phase sections after a table.</summary>
    public static void PrintList(string heading, IEnumerable<string> lines)
    {
        Console.WriteLine();
        Console.WriteLine(heading);
        foreach (var line in lines)
        {
            Console.WriteLine("- " + line);
        }
    }

    /// <summary>A Markdown table: the first column (and <paramref name="leftColumns"/>) left-aligned, the others right-aligned.</summary>
    public static void PrintTable(string[] header, IReadOnlyList<string[]> rows, params int[] leftColumns)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        Console.WriteLine("| " + string.Join(" | ", widths.Select(w => new string('-', w))) + " |");
        foreach (var row in rows)
        {
            Console.WriteLine("| " + string.Join(" | ", row.Select((v, i) => i == 0 || leftColumns.Contains(i) ? v.PadRight(widths[i]) : v.PadLeft(widths[i]))) + " |");
        }
    }

    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
}
