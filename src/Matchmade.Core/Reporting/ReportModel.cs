namespace Matchmade.Core.Reporting;

/// <summary>The report's JSON names, shared by the writer and the reader. docs/report-schema.md documents them.</summary>
public static class ReportFormat
{
    public const int SchemaVersion = 1;
    public const string Kind = "matchmade.migration-report";
    public const string FilePrefix = "migration-report-";

    public const string SchemaVersionName = "schemaVersion";
    public const string KindName = "kind";
    public const string RunName = "run";
    public const string CountsName = "counts";
    public const string ConflictsName = "conflicts";
    public const string UnmappedFieldsName = "unmappedFields";
    public const string InvalidValuesName = "invalidValues";
    public const string ErrorsName = "errors";
    public const string RedactedValue = "[redacted]";
}

/// <summary>Run metadata for the report: where, when, how. Never a password: Server is host:port.</summary>
public sealed record ReportRunInfo
{
    public required Guid RunId { get; init; }
    public required string Mode { get; init; }
    public required string Status { get; init; }
    public required string ModuleVersion { get; init; }
    public required string RulesFingerprint { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public required string Server { get; init; }
    public required string Database { get; init; }
    public required string Schema { get; init; }
    public required string UserName { get; init; }
    public IReadOnlyDictionary<string, string?> Parameters { get; init; } = new Dictionary<string, string?>();
    public string? Message { get; init; }
}

public sealed record ReportCounts
{
    public long UsersTotal { get; init; }
    public long UsersMigrated { get; init; }
    public long UsersSkipped { get; init; }
    public long UsersFailed { get; init; }
    public long ProfilesWritten { get; init; }
    public long ContextIntentsWritten { get; init; }
    public long Conflicts { get; init; }

    /// <summary>Blobs (user, context) with at least one unmapped key, as the seed counts them.</summary>
    public long UnmappedFields { get; init; }
    public long UnmappedKeys { get; init; }
    public long InvalidValues { get; init; }
    public long Errors { get; init; }
}

/// <summary>A user that could not be migrated (UserId set), or a run-level failure (UserId null).</summary>
public sealed record RunError(string? UserId, string ErrorId, string Reason);
