using System.Management.Automation;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Reads a migration report (a file, or the run history in the database) as objects.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "MigrationReport", DefaultParameterSetName = PathSet)]
[OutputType(typeof(MigrationReportSummary), typeof(MigrationFinding))]
public sealed class GetMigrationReportCommand : MatchmadeCommandBase
{
    private const string PathSet = "Path";
    private const string LatestSet = "Latest";
    private const string RunIdSet = "RunId";

    /// <summary>Report files. Default: the newest migration-report-*.json in the current location.</summary>
    [Parameter(ParameterSetName = PathSet, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "PSPath", "ReportPath")]
    [ValidateNotNullOrEmpty]
    public string[]? Path { get; set; }

    /// <summary>The latest run recorded in the database's run history.</summary>
    [Parameter(ParameterSetName = LatestSet, Mandatory = true)]
    public SwitchParameter Latest { get; set; }

    /// <summary>This run of the database's run history. Not taken from the pipeline: a piped MigrationResult binds its ReportPath (a dry run has no history row).</summary>
    [Parameter(ParameterSetName = RunIdSet, Mandatory = true)]
    public Guid RunId { get; set; }

    /// <summary>What to emit: Summary, Conflict, UnmappedField, InvalidValue, Error. Default: all.</summary>
    [Parameter]
    public ReportKind[]? Kind { get; set; }

    /// <summary>Only findings of this user.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NoCompleter))]
    [ValidateNotNullOrEmpty]
    public string? UserId { get; set; }

    private protected override bool UsesDatabase => ParameterSetName != PathSet;

    private protected override void OnRecord()
    {
        if (ParameterSetName != PathSet)
        {
            return;
        }

        foreach (var path in Path is { Length: > 0 } ? Path : new string?[] { null })
        {
            try
            {
                Emit(path is null ? NewestReport() : ReportFile(path), summaryOverride: null);
            }
            catch (MatchmadeException e)
            {
                WriteMatchmadeError(e);
            }
        }
    }

    private protected override void ProcessDatabase()
    {
        var run = FindRun(Latest ? null : RunId);
        var summary = MigrationReportSummary.From(run.RunInfo(Engine.Target), run.Counts, path: null);
        if (run.ReportPath is { } path && File.Exists(path))
        {
            Emit(path, summary);
        }
        else if (run.ReportPath is null)
        {
            EmitJournal(run, summary);
        }
        else
        {
            if (Wants(ReportKind.Summary))
            {
                WriteObject(summary);
            }

            if (Kind is null || Kind.Any(k => k != ReportKind.Summary))
            {
                WriteWarning($"The findings of run {run.RunId} are in its report file{(run.ReportPath is null ? string.Empty : $" '{run.ReportPath}'")}, which is not reachable from here; the run history has the counts only.");
            }
        }
    }

    private void Emit(string path, MigrationReportSummary? summaryOverride)
    {
        var header = ReportReader.ReadHeader(path);
        if (Wants(ReportKind.Summary))
        {
            WriteObject(summaryOverride is null ? Summary(header) : summaryOverride with { Path = path, ContextsByType = header.ToCounts().ContextsByType });
        }

        if (FindingKinds() is { } kinds)
        {
            WriteFindings(ReportReader.ReadEntries(path, kinds, UserId));
        }
    }

    /// <summary>
    /// A run without a report file: the findings of the batches it committed, from the findings journal its batches
    /// wrote in their own transactions. A migration or sync killed (or whose report could not be written) or still
    /// running; or a completion, which never writes one: its final sync journals its findings in the cut-over's transaction.
    /// </summary>
    private void EmitJournal(RunRecord run, MigrationReportSummary summary)
    {
        if (Wants(ReportKind.Summary))
        {
            WriteObject(summary with { Message = run.Message ?? $"The run {WhyNoReport(run)}: its findings are {JournalHolds(run)}, from the findings journal." });
        }

        if (FindingKinds() is { } kinds)
        {
            WriteVerbose($"Run {run.RunId} {WhyNoReport(run)}: reading {JournalHolds(run)} from the findings journal in the module's schema.");
            WriteFindings(FindingsJournal.Read(Engine.Target, run.RunId, kinds, UserId, Cancellation));
        }
    }

    /// <summary>Why the run has no report file, as the rest of a sentence that starts with the run.</summary>
    private static string WhyNoReport(RunRecord run) =>
        !run.WritesReport ? "is a completion (Complete-ProfileMigration), which writes no report file"
        : IsRunning(run) ? "is still running: its report file is written when it ends"
        : $"has no report file ({run.Status})";

    private static string JournalHolds(RunRecord run) =>
        !run.WritesReport ? "the findings of its final sync (none if the cut-over was rolled back)"
        : IsRunning(run) ? "the findings of the batches it has committed so far"
        : "the findings of the batches it committed";

    private static bool IsRunning(RunRecord run) => run.Status == "Running"; // the history's word until the run ends

    /// <summary>The finding kinds -Kind asks for (empty: all), or null when it asks for the summary only.</summary>
    private ReportEntryKind[]? FindingKinds()
    {
        var kinds = Kind?.Where(k => k != ReportKind.Summary).Select(EntryKindOf).ToArray() ?? [];
        return Kind is not null && kinds.Length == 0 ? null : kinds;
    }

    private void WriteFindings(IEnumerable<ReportEntry> entries)
    {
        foreach (var entry in entries)
        {
            WriteObject(new MigrationFinding
            {
                Kind = KindOf(entry.Kind),
                UserId = entry.UserId,
                ContextType = entry.ContextType,
                Field = entry.Field,
                Value = entry.Value,
                Candidates = new ValueList([.. entry.Candidates.Select(c => $"{c.ContextType}={c.Value}")]),
                Chosen = entry.Chosen,
                Reason = entry.Reason,
                ErrorId = entry.ErrorId,
            });
        }
    }

    private bool Wants(ReportKind kind) => Kind is null || Kind.Contains(kind);

    private static MigrationReportSummary Summary(ReportHeader h) => MigrationReportSummary.From(h.ToRunInfo(), h.ToCounts(), h.Path);

    /// <summary>-Kind's finding kinds by name, not by position: the two enums may grow apart.</summary>
    private static ReportEntryKind EntryKindOf(ReportKind kind) => kind switch
    {
        ReportKind.Conflict => ReportEntryKind.Conflict,
        ReportKind.UnmappedField => ReportEntryKind.UnmappedField,
        ReportKind.InvalidValue => ReportEntryKind.InvalidValue,
        ReportKind.Error => ReportEntryKind.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Summary is not a finding."),
    };

    /// <summary>A finding's kind back to -Kind's name (by name, as <see cref="EntryKindOf"/>).</summary>
    private static ReportKind KindOf(ReportEntryKind kind) => kind switch
    {
        ReportEntryKind.Conflict => ReportKind.Conflict,
        ReportEntryKind.UnmappedField => ReportKind.UnmappedField,
        ReportEntryKind.InvalidValue => ReportKind.InvalidValue,
        ReportEntryKind.Error => ReportKind.Error,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a finding kind."),
    };
}
