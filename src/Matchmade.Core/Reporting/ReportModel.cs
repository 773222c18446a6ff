namespace Matchmade.Core.Reporting;

/// <summary>
/// The report's JSON names, shared by the writer and the reader (and the Get-MigrationReport cmdlet).
/// docs/report-schema.md documents them field by field.
/// </summary>
public static class ReportFormat
{
    public const int SchemaVersion = 1;
    public const string Kind = "matchmade.migration-report";
    public const string FilePrefix = "migration-report-";
    public const string FileExtension = ".json";

    /// <summary>What every value becomes when the report is written with redaction on.</summary>
    public const string RedactedValue = "[redacted]";

    // Top level, in the order they are written.
    public const string SchemaVersionName = "schemaVersion";
    public const string KindName = "kind";
    public const string RunName = "run";
    public const string CountsName = "counts";
    public const string ConflictsName = "conflicts";
    public const string UnmappedFieldsName = "unmappedFields";
    public const string InvalidValuesName = "invalidValues";
    public const string ErrorsName = "errors";

    /// <summary>The four arrays, in file order; index = <see cref="ReportEntryKind"/>.</summary>
    public static IReadOnlyList<string> ArrayNames { get; } = [ConflictsName, UnmappedFieldsName, InvalidValuesName, ErrorsName];

    /// <summary>Names inside <c>run</c>.</summary>
    public static class RunFields
    {
        public const string RunId = "runId";
        public const string Mode = "mode";
        public const string Status = "status";
        public const string ModuleVersion = "moduleVersion";
        public const string RulesFingerprint = "rulesFingerprint";
        public const string StartedAt = "startedAt";
        public const string FinishedAt = "finishedAt";
        public const string Server = "server";
        public const string Database = "database";
        public const string Schema = "schema";
        public const string UserName = "userName";
        public const string Parameters = "parameters";
        public const string Message = "message";
    }

    /// <summary>Names inside <c>counts</c>.</summary>
    public static class CountFields
    {
        public const string UsersTotal = "usersTotal";
        public const string UsersMigrated = "usersMigrated";
        public const string UsersSkipped = "usersSkipped";
        public const string UsersFailed = "usersFailed";
        public const string ProfilesWritten = "profilesWritten";
        public const string ContextIntentsWritten = "contextIntentsWritten";
        public const string Conflicts = "conflicts";
        public const string UnmappedFields = "unmappedFields";
        public const string UnmappedKeys = "unmappedKeys";
        public const string InvalidValues = "invalidValues";
        public const string Errors = "errors";

        /// <summary>Optional (reports before it lack it): ContextIntent rows per context type.</summary>
        public const string ContextsByType = "contextsByType";

        /// <summary>Optional (reports before it lack it): the committed batches over time, <see cref="BatchFields"/>.</summary>
        public const string Batches = "batches";
    }

    /// <summary>Names inside the entries of <c>counts.batches</c>.</summary>
    public static class BatchFields
    {
        public const string End = "end";
        public const string Seconds = "seconds";
        public const string Users = "users";
        public const string Batches = "batches";
    }

    /// <summary>Names inside the entries of the four arrays.</summary>
    public static class EntryFields
    {
        public const string UserId = "userId";
        public const string ContextType = "contextType";
        public const string Field = "field";
        public const string Values = "values";
        public const string Value = "value";
        public const string Chosen = "chosen";
        public const string UnmappedFields = "unmappedFields";
        public const string Reason = "reason";
        public const string ErrorId = "errorId";
    }
}

/// <summary>Run metadata for the report: where, when, how. Never a password: Server is a display string (host:port).</summary>
public sealed record ReportRunInfo
{
    public required Guid RunId { get; init; }

    /// <summary>"Live" or "DryRun".</summary>
    public required string Mode { get; init; }

    /// <summary>"Running", "Completed", "Cancelled" or "Failed".</summary>
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

    /// <summary>Unmapped keys over all blobs.</summary>
    public long UnmappedKeys { get; init; }

    public long InvalidValues { get; init; }
    public long Errors { get; init; }

    /// <summary>ContextIntent rows written per context type (database names, every type); null: not recorded (an older report).</summary>
    public IReadOnlyDictionary<string, long>? ContextsByType { get; init; }

    /// <summary>The committed batches in the order they ended (at most <see cref="BatchTimeline.MaxPoints"/>); null: not recorded.</summary>
    public IReadOnlyList<ReportBatch>? Batches { get; init; }
}

/// <summary>A user that could not be migrated (UserId set), or a run-level failure (UserId null).</summary>
public sealed record RunError(string? UserId, string ErrorId, string Reason);
