using System.Diagnostics;
using System.Globalization;
using System.Management.Automation.Runspaces;

/// <summary>
/// Export-MigrationReport of the live run's JSON report to one HTML page (issue 18): how long it takes, how big the page
/// is and the process's peak RSS while exporting, next to the report's own size.
/// </summary>
internal static class ExportBenchmark
{
    public static string Run(Runspace runspace, string reportPath, string directory)
    {
        var page = Path.Combine(directory, Path.GetFileNameWithoutExtension(reportPath) + ".html");
        Bench.GiveBackMemory();
        var startRss = Process.GetCurrentProcess().WorkingSet64;
        using var sampler = new PeakSampler();
        var watch = Stopwatch.StartNew();
        Bench.Invoke(runspace, "$null = Export-MigrationReport -ReportPath $args[0] -Path $args[1] -Force", reportPath, page);
        watch.Stop();
        var mb = 1024.0 * 1024;
        return string.Create(CultureInfo.InvariantCulture,
            $"Export-MigrationReport of the live run's report ({new FileInfo(reportPath).Length / mb:N1} MB of JSON): HTML page {new FileInfo(page).Length / 1024.0:N0} KB in {watch.Elapsed.TotalSeconds:N2} s; RSS at start {startRss / mb:N0} MB, peak {sampler.PeakBytes / mb:N0} MB.");
    }
}
