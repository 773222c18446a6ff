using System.Diagnostics;
using System.Globalization;
using Matchmade.Core;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;

internal enum Interruption
{
    KillClient,
    TerminateBackend,
    RestartServer,
}

/// <summary>The child: one Invoke-ProfileMigration's worth of work through the core, progress on stdout.</summary>
internal static class Client
{
    public static int Run(string connectionString, string reports, int batchSize, int throttle)
    {
        try
        {
            using var engine = MatchmadeEngine.Connect(new ConnectionRequest { ConnectionString = connectionString }, new StdoutLog());
            var outcome = engine.Migrate(new MigrationOptions { BatchSize = batchSize, ThrottleLimit = throttle, ReportPath = reports }, CancellationToken.None);
            Console.WriteLine($"outcome {outcome.Status}: {outcome.UsersMigrated:N0} migrated, {outcome.UsersSkipped:N0} skipped{(outcome.Failure is { } f ? $"; {f.ErrorId}: {f.Message}" : string.Empty)}");
            return outcome.Status == RunStatus.Completed ? 0 : 1;
        }
        catch (MatchmadeException e)
        {
            Console.WriteLine($"error {e.ErrorId}: {e.Message}");
            return 3;
        }
    }

    private sealed class StdoutLog : IOperationLog
    {
        public void Verbose(string message)
        {
        }

        public void Warning(string message) => Console.WriteLine("warning " + message);

        public void Progress(OperationProgress progress) => Console.WriteLine("progress " + progress.Status);
    }
}

/// <summary>A client process and what it printed.</summary>
internal sealed class ClientProcess
{
    private readonly Process process;
    private readonly ManualResetEventSlim firstBatch = new();
    private volatile string lastLine = "(nothing printed)";

    private ClientProcess(Process process) => this.process = process;

    public string LastLine => lastLine;

    public int ExitCode => process.ExitCode;

    public static ClientProcess Start(string connectionString, string reports, int batchSize, int throttle)
    {
        // Run as `dotnet Matchmade.Torture.dll` or as the apphost: start the child the same way.
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(ClientProcess).Assembly.Location);
        }

        foreach (var argument in new[] { "--client", connectionString, reports, batchSize.ToString(CultureInfo.InvariantCulture), throttle.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var client = new ClientProcess(Process.Start(start)!);
        client.process.OutputDataReceived += (_, e) => client.Seen(e.Data);
        client.process.ErrorDataReceived += (_, e) => client.Seen(e.Data);
        client.process.BeginOutputReadLine();
        client.process.BeginErrorReadLine();
        return client;
    }

    /// <summary>True once the client has committed a batch of its own; false when it exited (or timed out) first.</summary>
    public bool WaitForFirstBatch(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (firstBatch.Wait(20))
            {
                return true;
            }

            if (process.HasExited)
            {
                return firstBatch.IsSet;
            }
        }

        return false;
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!process.WaitForExit(timeout))
        {
            return false;
        }

        process.WaitForExit(); // drains the output
        return true;
    }

    public void Kill() => process.Kill(); // SIGKILL on Linux and macOS

    private void Seen(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        if (line.StartsWith("progress Migrated ", StringComparison.Ordinal))
        {
            // "Migrated 1,200 of 10,000 users ...": set once this run has itself written users (skipping the
            // users of earlier attempts writes nothing).
            var count = line["progress Migrated ".Length..].Split(' ')[0];
            if (long.TryParse(count, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var migrated) && migrated > 0)
            {
                firstBatch.Set();
            }
        }
        else
        {
            lastLine = line;
        }
    }
}
