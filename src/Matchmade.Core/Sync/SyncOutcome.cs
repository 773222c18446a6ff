using Matchmade.Core.Errors;
using Matchmade.Core.Migration;

namespace Matchmade.Core.Sync;

/// <summary>What one Sync-ProfileMigration did (-WhatIf: what it would re-sync).</summary>
public sealed record SyncOutcome
{
    public required Guid RunId { get; init; }
    public required bool DryRun { get; init; }
    public required bool Full { get; init; }
    public required RunStatus Status { get; init; }
    public required string Server { get; init; }
    public required string Database { get; init; }
    public required string Schema { get; init; }

    /// <summary>Users already migrated whose new rows were rebuilt from the old tables as they are now.</summary>
    public long UsersResynced { get; init; }

    /// <summary>Users that had no new rows yet (created since the migration read them).</summary>
    public long UsersCreated { get; init; }

    /// <summary>Users gone from the old tables whose new rows were removed.</summary>
    public long UsersDeleted { get; init; }
    public long UsersFailed { get; init; }
    public long ContextIntentsWritten { get; init; }
    public long Conflicts { get; init; }
    public long UnmappedFields { get; init; }
    public long InvalidValues { get; init; }
    public long Errors { get; init; }

    /// <summary>Changed users still waiting for a sync at the end (changes committed meanwhile, or failed users).</summary>
    public long PendingUsers { get; init; }

    /// <summary>Age of the oldest change not yet synced, at the end (null: none pending).</summary>
    public TimeSpan? Lag { get; init; }

    /// <summary>Whether change tracking is installed (false: only -Full can catch up).</summary>
    public bool TrackingInstalled { get; init; }
    public int Passes { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration => FinishedAt - StartedAt;
    public string? ReportPath { get; init; }
    public string? Message { get; init; }

    /// <summary>Why the sync failed (Status = Failed); the PowerShell layer writes it as an error after the result.</summary>
    public MatchmadeException? Failure { get; init; }
}
