namespace Matchmade;

/// <summary>Output of Invoke-ProfileMigration: what one run did (a dry run: what a live run would do).</summary>
public sealed class MigrationResult
{
    public Guid RunId { get; init; }

    /// <summary>Live or DryRun.</summary>
    public string Mode { get; init; } = "";

    /// <summary>Completed, Cancelled or Failed.</summary>
    public string Status { get; init; } = "";
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";

    /// <summary>Created, AlreadyPresent or WouldCreate (dry run).</summary>
    public string SchemaStep { get; init; } = "";
    public long UsersTotal { get; init; }
    public long UsersMigrated { get; init; }
    public long UsersSkipped { get; init; }
    public long UsersFailed { get; init; }
    public long UsersRemaining { get; init; }
    public long ContextIntentsWritten { get; init; }
    public long Conflicts { get; init; }
    public long UnmappedFields { get; init; }
    public long InvalidValues { get; init; }
    public long Errors { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration { get; init; }
    public double UsersPerSecond { get; init; }
    public string? ReportPath { get; init; }
    public string? Message { get; init; }

    public override string ToString() => $"{Mode} run {RunId}: {Status}, {UsersMigrated} of {UsersTotal} users migrated, {UsersSkipped} skipped, {UsersFailed} failed";
}
