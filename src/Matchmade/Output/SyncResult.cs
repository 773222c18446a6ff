namespace Matchmade;

/// <summary>Output of Sync-ProfileMigration: what one sync did (-WhatIf: how many users it would re-sync).</summary>
public sealed class SyncResult
{
    public Guid RunId { get; init; }

    /// <summary>Sync, Full (-Full), WhatIf or FullWhatIf.</summary>
    public string Mode { get; init; } = "";

    /// <summary>Completed, Cancelled or Failed.</summary>
    public string Status { get; init; } = "";
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";

    /// <summary>Users already migrated whose new rows were rebuilt from the old tables as they are now.</summary>
    public long UsersResynced { get; init; }

    /// <summary>Users created in the old tables since the migration read them: migrated now.</summary>
    public long UsersCreated { get; init; }

    /// <summary>Users deleted from the old tables: their new rows removed.</summary>
    public long UsersDeleted { get; init; }
    public long UsersFailed { get; init; }
    public long ContextIntentsWritten { get; init; }
    public long Conflicts { get; init; }
    public long UnmappedFields { get; init; }
    public long InvalidValues { get; init; }
    public long Errors { get; init; }

    /// <summary>Changed users still awaiting a sync at the end (changes committed meanwhile, failed users).</summary>
    public long PendingUsers { get; init; }

    /// <summary>Age of the oldest change still pending at the end (null: none).</summary>
    public TimeSpan? Lag { get; init; }
    public bool TrackingInstalled { get; init; }
    public int Passes { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration { get; init; }
    public string? ReportPath { get; init; }
    public string? Message { get; init; }

    public override string ToString() => $"{Mode} {RunId}: {Status}, {UsersResynced} re-synced, {UsersCreated} created, {UsersDeleted} deleted, {UsersFailed} failed, {PendingUsers} pending";
}
