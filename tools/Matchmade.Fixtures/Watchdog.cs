using System.Diagnostics;

namespace Matchmade.Fixtures;

/// <summary>
/// A shell that outlives this process: when the process is gone without disposing a fixture (killed, crashed, a test
/// run stopped by a timeout), it runs the fixture's cleanup (stop a server, remove its folder), so nothing is left behind.
/// </summary>
internal static class Watchdog
{
    /// <summary>Starts the watchdog (null where there is no /bin/sh); kill it once the fixture cleaned up itself.</summary>
    public static Process? Start(string cleanup)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        // The terminal's signals (Ctrl+C's SIGINT, Ctrl+\'s SIGQUIT, a closed terminal's SIGHUP) go to the whole
        // foreground process group, this shell included: ignored here (and so in sleep and the cleanup), or the
        // watchdog would die with the process it watches and leave the server running.
        var script = $"trap '' INT QUIT HUP; exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 2; done; {cleanup}";
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        try
        {
            return Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no /bin/sh: then only Dispose cleans up
        }
    }

    /// <summary>Stops a watchdog whose fixture cleaned up itself.</summary>
    public static void Stop(Process? watchdog)
    {
        if (watchdog is null)
        {
            return;
        }

        try
        {
            watchdog.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        watchdog.Dispose();
    }

    public static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
