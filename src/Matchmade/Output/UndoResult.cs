namespace Matchmade;

/// <summary>Output of Undo-ProfileMigration.</summary>
public sealed class UndoResult
{
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";
    /// <summary>Migration (the new tables dropped) or Completion (the completion undone: back to the transition).</summary>
    public string Step { get; init; } = "";
    public bool Dropped { get; init; }
    public long ProfileNewRows { get; init; }
    public long ContextIntentRows { get; init; }

    /// <summary>Rows the module did not write (dropped only with -Force).</summary>
    public long ForeignRows { get; init; }

    /// <summary>What _prisma_migrations says now: RolledBack, or NoHistoryTable.</summary>
    public string PrismaMigration { get; init; } = "";
    public string? BackupPath { get; init; }
    public long BackupRows { get; init; }

    /// <summary>Undo of a completion: rows of the old Profile table in the archive, and those restored (whose ContextProfile still exists).</summary>
    public long ArchiveRows { get; init; }
    public long RestoredRows { get; init; }

    public override string ToString() => Step == "Completion"
        ? $"{Database} [{Schema}]: completion undone, Profile is ProfileNew again and the old Profile table has {RestoredRows} rows"
        : $"{Database} [{Schema}]: dropped ProfileNew ({ProfileNewRows} rows) and ContextIntent ({ContextIntentRows} rows)";
}
