using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;

namespace Matchmade.Core.Migration;

/// <summary>
/// What a run did, made once when it ends: the report's run info and counts, the returned outcome (and from it the
/// cmdlet's result) are projections of it. The counts are one shape (<see cref="ReportCounts"/>) all the way to the
/// report, the outcome and the run history, so a new count is added there and shown where it is wanted.
/// </summary>
internal sealed record RunSummary
{
    public required Guid RunId { get; init; }
    public required RunMode Mode { get; init; }
    public required RunStatus Status { get; init; }
    public required DatabaseTarget Target { get; init; }
    public required SchemaStepOutcome? SchemaStep { get; init; }
    public required IReadOnlyDictionary<string, string?> Parameters { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public required string? Message { get; init; }
    public required ReportCounts Counts { get; init; }

    public ReportCounts ReportCounts() => Counts;

    public ReportRunInfo ReportRunInfo() => new()
    {
        RunId = RunId,
        Mode = Mode.ToString(),
        Status = Status.ToString(),
        ModuleVersion = DatabaseTarget.ModuleVersion,
        RulesFingerprint = FieldCatalog.RulesFingerprint,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Server = Target.Server,
        Database = Target.Database,
        Schema = Target.Schemas.App,
        UserName = Target.UserName,
        Parameters = Parameters,
        Message = Message,
    };

    /// <summary>The outcome; <paramref name="message"/> may say more than the report's (a report that could not be written).</summary>
    public MigrationOutcome Outcome(string? reportPath, string? message, MatchmadeException? failure) => new()
    {
        RunId = RunId,
        Mode = Mode,
        Status = Status,
        Server = Target.Server,
        Database = Target.Database,
        Schema = Target.Schemas.App,
        SchemaStep = SchemaStep,
        Counts = Counts,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        ReportPath = reportPath,
        Message = message,
        Failure = failure,
    };
}
