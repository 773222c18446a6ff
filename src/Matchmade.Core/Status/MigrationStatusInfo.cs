using Matchmade.Core.Completion;
using Matchmade.Core.Schema;

namespace Matchmade.Core.Status;

/// <summary>Where a database stands: what exists, how many rows, how many users are still to migrate.</summary>
public sealed record MigrationStatusInfo
{
    public required string Server { get; init; }
    public required string Database { get; init; }
    public required string ServerVersion { get; init; }
    public required string Schema { get; init; }
    public required bool OldTablesExist { get; init; }
    public required IReadOnlyList<string> MissingOldTables { get; init; }
    public required bool NewTablesExist { get; init; }
    public required IReadOnlyList<string> MissingNewTables { get; init; }
    public long? UserCount { get; init; }
    public long? ContextProfileCount { get; init; }
    public long? ProfileCount { get; init; }
    public long? ProfileNewCount { get; init; }
    public long? ContextIntentCount { get; init; }
    public long? UsersNotMigrated { get; init; }
    public required PrismaMigrationState PrismaMigration { get; init; }

    /// <summary>Where the database stands in the lifecycle (migrate, sync, complete, undo).</summary>
    public MigrationStage Stage { get; init; }

    /// <summary>Completed: whether the archive of the old Profile table is still kept (Undo can step back).</summary>
    public bool ArchivePresent { get; init; }

    /// <summary>Rows in the archive (null when there is none).</summary>
    public long? ArchiveRows { get; init; }

    /// <summary>Change tracking: triggers and change table present, and the record whole.</summary>
    public bool TrackingInstalled { get; init; }

    /// <summary>Change tracking: Installed, NotInstalled, Reset (crash recovery emptied the record, or an undo of a completion reinstalled it: Sync-ProfileMigration -Full) or Unknown (a standby).</summary>
    public string TrackingStatus { get; init; } = "";

    /// <summary>Users changed in the old tables since they were migrated, awaiting Sync-ProfileMigration.</summary>
    public long? PendingChangedUsers { get; init; }

    /// <summary>Age of the oldest change not yet synced (null: none).</summary>
    public TimeSpan? OldestPendingChangeAge { get; init; }
}
