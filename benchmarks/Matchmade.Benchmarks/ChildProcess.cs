using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Matchmade.Fixtures;
using Npgsql;

/// <summary>
/// This benchmark run again as a child process for work that must not count in the measured process: the latency
/// proxy (<see cref="LatencyLink"/>) and loading the sample data (<see cref="Load"/>).
/// </summary>
internal static class ChildProcess
{
    /// <summary>Starts this benchmark with <paramref name="args"/>, standard input and output redirected.</summary>
    public static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location); // run as `dotnet Matchmade.Benchmarks.dll`
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// Loads the synthetic users in a child process (<c>-ServeLoad</c>): the generator's buffers (about 400 MB at its
    /// peak for 100,000 users) are then not the measured process's, whose peak RSS is the engine's and the module's alone.
    /// </summary>
    public static SampleLoadResult Load(string cs, int users, DataShape shape)
    {
        using var process = Start("-ServeLoad", cs, users.ToString(CultureInfo.InvariantCulture), DataShapes.Name(shape));
        var line = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        var f = line.Split(' ');
        return process.ExitCode == 0 && f.Length == 6 && f[0] == "loaded"
            ? new SampleLoadResult(long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture), TimeSpan.FromTicks(long.Parse(f[5], CultureInfo.InvariantCulture)))
            : throw new InvalidOperationException($"Loading the sample data failed (exit code {process.ExitCode}; it said: {line}).");
    }

    /// <summary>The child's side of <see cref="Load"/>: one line with the counts and the time.</summary>
    public static void ServeLoad(string cs, string users, string shape)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        var r = SampleData.LoadSynthetic(c, int.Parse(users, CultureInfo.InvariantCulture), seed: 42, options: new SyntheticOptions { Shape = DataShapes.Parse(shape)!.Value });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {r.Users} {r.ContextProfiles} {r.Profiles} {r.ChatMessages} {r.Elapsed.Ticks}"));
    }
}
