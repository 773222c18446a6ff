using Matchmade.Core.Errors;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;

namespace Matchmade.Core.Migration;

public enum RunMode { Live, DryRun, Sync, Complete }

public enum RunStatus { Completed, Cancelled, Failed }

/// <summary>What a run did. A dry run's counts are what a live run would have done.</summary>
public sealed record MigrationOutcome
{
    public required Guid RunId { get; init; }
    public required RunMode Mode { get; init; }
    public required RunStatus Status { get; init; }
    public required string Server { get; init; }
    public required string Database { get; init; }
    public required string Schema { get; init; }
    public SchemaStepOutcome? SchemaStep { get; init; }

    /// <summary>The run's counts, the same shape as the report's and the run history's.</summary>
    public ReportCounts Counts { get; init; } = new();
    public long UsersTotal => Counts.UsersTotal;
    public long UsersMigrated => Counts.UsersMigrated;
    public long UsersSkipped => Counts.UsersSkipped;
    public long UsersFailed => Counts.UsersFailed;
    public long UsersRemaining => Math.Max(0, UsersTotal - UsersSkipped - UsersMigrated);
    public long ContextIntentsWritten => Counts.ContextIntentsWritten;
    public long Conflicts => Counts.Conflicts;
    public long UnmappedFields => Counts.UnmappedFields;
    public long InvalidValues => Counts.InvalidValues;
    public long Errors => Counts.Errors;
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration => FinishedAt - StartedAt;
    public double UsersPerSecond => Duration.TotalSeconds > 0 ? UsersMigrated / Duration.TotalSeconds : 0;
    public string? ReportPath { get; init; }
    public string? Message { get; init; }

    /// <summary>Why the run failed (Status = Failed); the PowerShell layer writes it as an error after the result.</summary>
    public MatchmadeException? Failure { get; init; }
}
