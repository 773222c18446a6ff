using Matchmade.Core.Migration;

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
    /// <summary>Users written by this run; a dry run counts the users it would write (see UsersToMigrate).</summary>
    public long UsersMigrated { get; init; }
    public long UsersSkipped { get; init; }
    public long UsersFailed { get; init; }
    public long UsersRemaining { get; init; }
    /// <summary>ContextIntent rows written; a dry run counts the rows it would write (see ContextIntentsToWrite).</summary>
    public long ContextIntentsWritten { get; init; }

    /// <summary>A dry run's users that a live run would migrate, named for what they are (null for a live run).</summary>
    public long? UsersToMigrate => Mode == "DryRun" ? UsersMigrated : null;

    /// <summary>A dry run's ContextIntent rows that a live run would write (null for a live run).</summary>
    public long? ContextIntentsToWrite => Mode == "DryRun" ? ContextIntentsWritten : null;
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

    /// <summary>The one projection of a run's outcome (its counts are the run's <see cref="MigrationOutcome.Counts"/>).</summary>
    internal static MigrationResult From(MigrationOutcome outcome) => new()
    {
        RunId = outcome.RunId,
        Mode = outcome.Mode.ToString(),
        Status = outcome.Status.ToString(),
        Server = outcome.Server,
        Database = outcome.Database,
        Schema = outcome.Schema,
        SchemaStep = outcome.SchemaStep?.ToString() ?? string.Empty,
        UsersTotal = outcome.Counts.UsersTotal,
        UsersMigrated = outcome.Counts.UsersMigrated,
        UsersSkipped = outcome.Counts.UsersSkipped,
        UsersFailed = outcome.Counts.UsersFailed,
        UsersRemaining = outcome.UsersRemaining,
        ContextIntentsWritten = outcome.Counts.ContextIntentsWritten,
        Conflicts = outcome.Counts.Conflicts,
        UnmappedFields = outcome.Counts.UnmappedFields,
        InvalidValues = outcome.Counts.InvalidValues,
        Errors = outcome.Counts.Errors,
        StartedAt = outcome.StartedAt,
        FinishedAt = outcome.FinishedAt,
        Duration = outcome.Duration,
        UsersPerSecond = Math.Round(outcome.UsersPerSecond, 1),
        ReportPath = outcome.ReportPath,
        Message = outcome.Message,
    };

    public override string ToString() => $"{Mode} run {RunId}: {Status}, {UsersMigrated} of {UsersTotal} users {(Mode == "DryRun" ? "would be migrated" : "migrated")}, {UsersSkipped} skipped, {UsersFailed} failed";
}
