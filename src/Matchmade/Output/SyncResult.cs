using Matchmade.Core.Sync;

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

    /// <summary>The one projection of a sync's outcome.</summary>
    internal static SyncResult From(SyncOutcome outcome) => new()
    {
        RunId = outcome.RunId,
        Mode = (outcome.Full ? "Full" : "Sync") + (outcome.DryRun ? "WhatIf" : string.Empty),
        Status = outcome.Status.ToString(),
        Server = outcome.Server,
        Database = outcome.Database,
        Schema = outcome.Schema,
        UsersResynced = outcome.UsersResynced,
        UsersCreated = outcome.UsersCreated,
        UsersDeleted = outcome.UsersDeleted,
        UsersFailed = outcome.UsersFailed,
        ContextIntentsWritten = outcome.ContextIntentsWritten,
        Conflicts = outcome.Conflicts,
        UnmappedFields = outcome.UnmappedFields,
        InvalidValues = outcome.InvalidValues,
        Errors = outcome.Errors,
        PendingUsers = outcome.PendingUsers,
        Lag = outcome.Lag,
        TrackingInstalled = outcome.TrackingInstalled,
        Passes = outcome.Passes,
        StartedAt = outcome.StartedAt,
        FinishedAt = outcome.FinishedAt,
        Duration = outcome.Duration,
        ReportPath = outcome.ReportPath,
        Message = outcome.Message,
    };

    public override string ToString() => $"{Mode} {RunId}: {Status}, {UsersResynced} re-synced, {UsersCreated} created, {UsersDeleted} deleted, {UsersFailed} failed, {PendingUsers} pending";
}
