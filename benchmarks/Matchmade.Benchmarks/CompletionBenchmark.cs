using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;

/// <summary>
/// The completion's figures (issue 14): after the other phases, the app changes some users (tracked: the final sync's
/// work under the write lock), then a timed Complete-ProfileMigration. Its result gives how long each of the cut-over's
/// locks was waited for and held, and the rows archived: the lock hold times at N users are what a DBA plans for.
/// </summary>
internal static class CompletionBenchmark
{
    /// <summary>Runs the completion through <paramref name="invoke"/> (the benchmark's PowerShell runspace) and returns its table row.</summary>
    public static string[] Run(Func<string, PSObject> invoke, string cs, int pendingUsers)
    {
        TransitionBenchmark.ChangeUsers(cs, pendingUsers);
        var watch = Stopwatch.StartNew();
        var result = invoke("Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false");
        watch.Stop();
        string Ms(string property) => ((TimeSpan)result.Properties[property].Value).TotalMilliseconds.ToString("N1", CultureInfo.InvariantCulture);
        var synced = (long)result.Properties["UsersSynced"].Value;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Complete-ProfileMigration: {(long)result.Properties["RowsArchived"].Value:N0} rows archived, {synced:N0} users synced under the write lock; write lock waited {Ms("WriteLockWait")} ms, held {Ms("WriteLockHeld")} ms; exclusive lock waited {Ms("ExclusiveLockWait")} ms, held {Ms("ExclusiveLockHeld")} ms; {(int)result.Properties["LockRetries"].Value} lock retries; {watch.Elapsed.TotalSeconds:N2} s in all."));
        return
        [
            $"Complete-ProfileMigration ({pendingUsers.ToString("N0", CultureInfo.InvariantCulture)} pending)", synced.ToString("N0", CultureInfo.InvariantCulture),
            watch.Elapsed.TotalSeconds.ToString("N2", CultureInfo.InvariantCulture), "-", "-", "-", "-", "-", "-", (string)result.Properties["Status"].Value,
        ];
    }
}
