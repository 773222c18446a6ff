using Matchmade.Core.Errors;
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
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration => FinishedAt - StartedAt;
    public double UsersPerSecond => Duration.TotalSeconds > 0 ? UsersMigrated / Duration.TotalSeconds : 0;
    public string? ReportPath { get; init; }
    public string? Message { get; init; }

    /// <summary>Why the run failed (Status = Failed); the PowerShell layer writes it as an error after the result.</summary>
    public MatchmadeException? Failure { get; init; }
}
