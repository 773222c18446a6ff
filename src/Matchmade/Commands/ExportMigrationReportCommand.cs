using System.Management.Automation;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Reporting.Export;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Writes a migration report as one self-contained HTML page (or Markdown) for people to read.</para>
/// </summary>
[Cmdlet(VerbsData.Export, "MigrationReport", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(ReportExport))]
public sealed class ExportMigrationReportCommand : MatchmadeCommandBase
{
    private const string PathSet = "ReportPath";
    private const string LatestSet = "Latest";
    private const string RunIdSet = "RunId";

    /// <summary>The report file. Default: the newest migration-report-*.json in the current location. A piped MigrationResult (or any object with a ReportPath) binds by property name.</summary>
    [Parameter(ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string? ReportPath { get; set; }

    /// <summary>The report of the latest run in the database's run history.</summary>
    [Parameter(ParameterSetName = LatestSet, Mandatory = true)]
    public SwitchParameter Latest { get; set; }

    /// <summary>The report of this run of the database's run history.</summary>
    [Parameter(ParameterSetName = RunIdSet, Mandatory = true)]
    public Guid RunId { get; set; }

    /// <summary>The page to write (.html or .md), or a folder. Default: beside the report, with the report's name.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Html or Markdown. Default: from the extension of -Path, else Html.</summary>
    [Parameter]
    public ExportFormat Format { get; set; }

    /// <summary>Replace an existing page.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Show every value as [redacted].</summary>
    [Parameter]
    public SwitchParameter RedactValues { get; set; }

    /// <summary>Test-MigrationIntegrity's results, for the integrity verdict.</summary>
    [Parameter]
    public IntegrityCheck[]? IntegrityCheck { get; set; }

    /// <summary>Rows per top table and bars per chart.</summary>
    [Parameter]
    [ValidateRange(1, 1000)]
    public int Top { get; set; } = new ExportOptions().TopN;

    /// <summary>Findings of each kind listed in the page's collapsible lists.</summary>
    [Parameter]
    [ValidateRange(0, 100_000)]
    public int ListLimit { get; set; } = new ExportOptions().ListCap;

    private protected override bool UsesDatabase => ParameterSetName != PathSet;

    private protected override void OnRecord()
    {
        if (ParameterSetName != PathSet)
        {
            return;
        }

        try
        {
            Export(ReportPath is null ? NewestReport() : ReportFile(ReportPath));
        }
        catch (MatchmadeException e)
        {
            WriteMatchmadeError(e);
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private protected override void ProcessDatabase()
    {
        // The latest run that has a report: the completion, usually the latest run of all, writes none.
        var run = Latest ? FindRun(null, RunRecord.ReportModes) : FindRun(RunId);
        if (!run.WritesReport)
        {
            throw new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound,
                $"Run {run.RunId} is a {run.Mode} run (Complete-ProfileMigration), which writes no report; its outcome is in the run history (Get-MigrationReport -RunId {run.RunId} -Kind Summary). Pass the -RunId of a migration or sync run, or -Latest.", target: run.RunId.ToString());
        }

        if (run.ReportPath is null)
        {
            // Killed (or its report could not be written): its committed batches' findings are in the findings journal.
            // The report is rebuilt in the page's folder, so -Path is checked first: a bad one must not leave a report behind.
            var requested = RequestedPage();
            var folder = requested is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath
                : Directory.Exists(requested) ? requested : System.IO.Path.GetDirectoryName(requested)!;
            if (!ShouldProcess(folder, $"Rebuild the report of run {run.RunId} ({run.Status}) from the findings journal"))
            {
                return;
            }

            var rebuilt = FindingsJournal.Rebuild(Engine.Target, run, folder, Cancellation);
            WriteVerbose($"Run {run.RunId} has no report file ({run.Status}): rebuilt it from the findings journal as '{rebuilt}'.");
            Export(rebuilt);
            return;
        }

        if (run.ReportPath is not { } report || !File.Exists(report))
        {
            throw new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound,
                $"The report file of run {run.RunId}{(run.ReportPath is null ? string.Empty : $" ('{run.ReportPath}')")} is not reachable from here. Copy it here and pass -ReportPath.", target: run.ReportPath);
        }

        Export(report);
    }

    /// <summary>The pages this call has written: a second report (piped, or of another database) must not replace one of them.</summary>
    private readonly HashSet<string> written = new(ReportExporter.PathComparer);

    private void Export(string report)
    {
        var (page, format) = Target(report);
        if (written.Contains(page))
        {
            throw new MatchmadeException(ErrorIds.ExportExists, FailureKind.InvalidArgument,
                $"'{page}' was written a moment ago by this command for another report: -Path names one file, and -Force does not let one report's page replace another's. With several reports or databases, pass a folder as -Path: each page then gets its report's name.", target: page);
        }

        if (!ShouldProcess(page, $"Write the {format} page of the report '{report}'"))
        {
            return;
        }

        var options = new ExportOptions
        {
            TopN = Top,
            ListCap = ListLimit,
            RedactValues = RedactValues,
            Integrity = IntegrityCheck is { Length: > 0 } checks ? new IntegritySummary(checks.Length, [.. checks.Where(c => !c.Passed && !c.Skipped).Select(c => c.Name)], [.. checks.Where(c => c.Skipped).Select(c => c.Name)]) : null,
        };
        var outcome = ReportExporter.Export(report, page, (ReportExportFormat)format, options, Force, Cancellation);
        written.Add(page);
        WriteObject(new ReportExport
        {
            Path = outcome.Path, Format = format, Bytes = outcome.Bytes, Findings = outcome.Findings, Elapsed = outcome.Elapsed, ReportPath = outcome.ReportPath,
        });
    }

    private ExportFormat? GivenFormat => MyInvocation.BoundParameters.ContainsKey(nameof(Format)) ? Format : null;

    /// <summary>
    /// -Path resolved and checked before anything is read or written: an existing folder; or a page whose folder exists
    /// (a path ending in a separator names a folder) and whose format is known. Null without -Path.
    /// </summary>
    private string? RequestedPage()
    {
        if (Path is null)
        {
            return null;
        }

        var requested = System.IO.Path.GetFullPath(GetUnresolvedProviderPathFromPSPath(Path));
        if (Directory.Exists(requested))
        {
            return requested;
        }

        var folder = EndsInSeparator(requested) ? requested : System.IO.Path.GetDirectoryName(requested);
        if (!Directory.Exists(folder))
        {
            throw new MatchmadeException(ErrorIds.ExportPathNotWritable, FailureKind.WriteError,
                $"The folder '{folder}' does not exist. Create it, or pick another -Path.", target: requested);
        }

        if (GivenFormat is null && ReportExporter.FormatOf(requested) is null)
        {
            throw new MatchmadeException(ErrorIds.ExportFormatUnknown, FailureKind.InvalidArgument,
                $"'{requested}' ends neither in .html nor in .md. Name the page so, or add -Format Html or -Format Markdown.", target: requested);
        }

        return requested;
    }

    private static bool EndsInSeparator(string path) =>
        path.EndsWith(System.IO.Path.DirectorySeparatorChar) || path.EndsWith(System.IO.Path.AltDirectorySeparatorChar);

    /// <summary>The page's path and format: -Path (a file, or a folder that gets the report's name), else beside the report.</summary>
    private (string Page, ExportFormat Format) Target(string report)
    {
        var requested = RequestedPage();
        var fromName = requested is null || Directory.Exists(requested) ? null : ReportExporter.FormatOf(requested);
        var format = GivenFormat ?? (ExportFormat?)fromName ?? ExportFormat.Html;
        if (requested is not null && !Directory.Exists(requested))
        {
            return (requested, format);
        }

        var name = System.IO.Path.ChangeExtension(System.IO.Path.GetFileName(report), ReportExporter.ExtensionOf((ReportExportFormat)format));
        return (System.IO.Path.Combine(requested ?? System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(report))!, name), format);
    }
}
