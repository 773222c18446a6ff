using Matchmade.Core.Reporting;

namespace Matchmade;

/// <summary>What Get-MigrationReport -Kind selects.</summary>
public enum ReportKind
{
    Summary,
    Conflict,
    UnmappedField,
    InvalidValue,
    Error,
}

/// <summary>Output of Get-MigrationReport: a run's metadata and counts.</summary>
public sealed record MigrationReportSummary
{
    public Guid RunId { get; init; }
    public string Mode { get; init; } = "";
    public string Status { get; init; } = "";
    public string ModuleVersion { get; init; } = "";
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";
    public long UsersTotal { get; init; }
    public long UsersMigrated { get; init; }
    public long UsersSkipped { get; init; }
    public long UsersFailed { get; init; }
    public long ContextIntentsWritten { get; init; }

    /// <summary>ContextIntent rows per context type (romantic, friendship, …); null when the report does not record them (an older report, or the run history only).</summary>
    public IReadOnlyDictionary<string, long>? ContextsByType { get; init; }

    public long Conflicts { get; init; }
    public long UnmappedFields { get; init; }
    public long InvalidValues { get; init; }
    public long Errors { get; init; }
    public string? Message { get; init; }

    /// <summary>The report file, or null when only the run history was available.</summary>
    public string? Path { get; init; }

    /// <summary>
    /// The one projection of a run's metadata and counts, from its report's header or from the run history (both
    /// give the report's shapes). A start time that could not be read stays null.
    /// </summary>
    internal static MigrationReportSummary From(ReportRunInfo run, ReportCounts counts, string? path) => new()
    {
        RunId = run.RunId,
        Mode = run.Mode,
        Status = run.Status,
        ModuleVersion = run.ModuleVersion,
        StartedAt = run.StartedAt == default ? null : run.StartedAt,
        FinishedAt = run.FinishedAt,
        Server = run.Server,
        Database = run.Database,
        Schema = run.Schema,
        UsersTotal = counts.UsersTotal,
        UsersMigrated = counts.UsersMigrated,
        UsersSkipped = counts.UsersSkipped,
        UsersFailed = counts.UsersFailed,
        ContextIntentsWritten = counts.ContextIntentsWritten,
        ContextsByType = counts.ContextsByType,
        Conflicts = counts.Conflicts,
        UnmappedFields = counts.UnmappedFields,
        InvalidValues = counts.InvalidValues,
        Errors = counts.Errors,
        Message = run.Message,
        Path = path,
    };

    public override string ToString() => $"{Mode} run {RunId}: {Status}, {UsersMigrated} migrated, {Errors} errors";
}

/// <summary>Output of Get-MigrationReport: one conflict, unmapped field, invalid value or error.</summary>
public sealed class MigrationFinding
{
    public ReportKind Kind { get; init; }
    public string? UserId { get; init; }
    public string? ContextType { get; init; }

    /// <summary>The field (e.g. location, beliefs.religion), the unmapped key, or the invalid field (null: the whole blob).</summary>
    public string? Field { get; init; }

    /// <summary>The value as stored, as JSON text (unmapped and invalid values).</summary>
    public string? Value { get; init; }

    /// <summary>A conflict's candidates, "contextType=value" each, in context order (one string "a; b" in a CSV).</summary>
    public ValueList Candidates { get; init; } = ValueList.None;

    /// <summary>A conflict's winning value, as JSON text.</summary>
    public string? Chosen { get; init; }
    public string? Reason { get; init; }
    public string? ErrorId { get; init; }

    public override string ToString() => $"{Kind} {UserId} {ContextType} {Field}".TrimEnd();
}
