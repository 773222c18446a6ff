using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;

namespace Matchmade.Core.Migration;

/// <summary>
/// What a run did, made once when it ends: the report's run info and counts and the returned outcome are projections
/// of it, so a new count is added here and in the projections that show it, and nowhere else.
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
    public required long UsersTotal { get; init; }
    public required long UsersSkipped { get; init; }
    public required long UsersMigrated { get; init; }
    public required long UsersFailed { get; init; }
    public required long ContextIntentsWritten { get; init; }
    public required long Conflicts { get; init; }
    public required long UnmappedFields { get; init; }
    public required long UnmappedKeys { get; init; }
    public required long InvalidValues { get; init; }
    public required long Errors { get; init; }

    /// <summary>ContextIntent rows per context type (index: ContextType); null when the run did not count them.</summary>
    public IReadOnlyList<long>? IntentsByType { get; init; }

    /// <summary>The committed batches over time; null when the run did not time them.</summary>
    public IReadOnlyList<ReportBatch>? Batches { get; init; }

    private string Server => $"{Target.Host}:{Target.Port}";

    public ReportCounts ReportCounts() => new()
    {
        UsersTotal = UsersTotal,
        UsersMigrated = UsersMigrated,
        UsersSkipped = UsersSkipped,
        UsersFailed = UsersFailed,
        ProfilesWritten = UsersMigrated,
        ContextIntentsWritten = ContextIntentsWritten,
        Conflicts = Conflicts,
        UnmappedFields = UnmappedFields,
        UnmappedKeys = UnmappedKeys,
        InvalidValues = InvalidValues,
        Errors = Errors,
        ContextsByType = IntentsByType is null ? null : ReportFigures.ContextsByType(IntentsByType),
        Batches = Batches,
    };

    public ReportRunInfo ReportRunInfo() => new()
    {
        RunId = RunId,
        Mode = Mode.ToString(),
        Status = Status.ToString(),
        ModuleVersion = DatabaseTarget.ModuleVersion,
        RulesFingerprint = FieldCatalog.RulesFingerprint,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Server = Server,
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
        Server = Server,
        Database = Target.Database,
        Schema = Target.Schemas.App,
        SchemaStep = SchemaStep,
        UsersTotal = UsersTotal,
        UsersMigrated = UsersMigrated,
        UsersSkipped = UsersSkipped,
        UsersFailed = UsersFailed,
        UsersRemaining = Math.Max(0, UsersTotal - UsersSkipped - UsersMigrated),
        ContextIntentsWritten = ContextIntentsWritten,
        Conflicts = Conflicts,
        UnmappedFields = UnmappedFields,
        InvalidValues = InvalidValues,
        Errors = Errors,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        ReportPath = reportPath,
        Message = message,
        Failure = failure,
    };
}
