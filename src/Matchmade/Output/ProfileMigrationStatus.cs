namespace Matchmade;

/// <summary>Output of Get-ProfileMigrationStatus: where one database stands.</summary>
public sealed class ProfileMigrationStatus
{
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string ServerVersion { get; init; } = "";
    public string Schema { get; init; } = "";

    /// <summary>Where the connection came from: -ConnectionString, $env:DIRECT_URL (Prisma's directUrl) or $env:DATABASE_URL.</summary>
    public string ConnectionSource { get; init; } = "";

    /// <summary>NotStarted (new tables absent), InProgress (users left), Migrated (none left), Completed (Complete-ProfileMigration ran), SourceMissing (old tables absent).</summary>
    public string State { get; init; } = "";
    public bool OldTablesExist { get; init; }
    public string[] MissingOldTables { get; init; } = [];
    public bool NewTablesExist { get; init; }
    public long? UserCount { get; init; }
    public long? ContextProfileCount { get; init; }
    public long? ProfileCount { get; init; }
    public long? ProfileNewCount { get; init; }
    public long? ContextIntentCount { get; init; }
    public long? UsersNotMigrated { get; init; }

    /// <summary>What Prisma's _prisma_migrations says of the migration: NoHistoryTable, NotRecorded, Applied, Failed, RolledBack.</summary>
    public string PrismaMigration { get; init; } = "";

    /// <summary>Whether change tracking (triggers on the old tables) is installed and its record whole.</summary>
    public bool TrackingInstalled { get; init; }

    /// <summary>Change tracking: Installed, NotInstalled, Reset (crash recovery emptied the record, or an undo of a completion reinstalled it: run Sync-ProfileMigration -Full) or Unknown (a standby).</summary>
    public string TrackingStatus { get; init; } = "";

    /// <summary>Users the app changed in the old tables since they were migrated, awaiting Sync-ProfileMigration.</summary>
    public long? PendingChangedUsers { get; init; }

    /// <summary>Age of the oldest change not yet synced (null: none pending).</summary>
    public TimeSpan? OldestPendingChangeAge { get; init; }

    /// <summary>The lifecycle stage: NotStarted, Migrating, Migrated (tracking and pending changes above), Completed (archive present or removed), RolledBack.</summary>
    public string Stage { get; init; } = "";

    /// <summary>Completed: whether the archive of the old Profile table is kept (Undo-ProfileMigration can step back).</summary>
    public bool ArchivePresent { get; init; }

    /// <summary>Rows in the archive (null when there is none).</summary>
    public long? ArchiveRows { get; init; }

    public override string ToString() => $"{Server}/{Database} [{Schema}]: {State}";
}
