namespace Matchmade;

/// <summary>Output of Undo-ProfileMigration.</summary>
public sealed class UndoResult
{
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";
    public bool Dropped { get; init; }
    public long ProfileNewRows { get; init; }
    public long ContextIntentRows { get; init; }

    /// <summary>Rows the module did not write (dropped only with -Force).</summary>
    public long ForeignRows { get; init; }

    /// <summary>What _prisma_migrations says now: RolledBack, or NoHistoryTable.</summary>
    public string PrismaMigration { get; init; } = "";
    public string? BackupPath { get; init; }
    public long BackupRows { get; init; }

    public override string ToString() => $"{Database} [{Schema}]: dropped ProfileNew ({ProfileNewRows} rows) and ContextIntent ({ContextIntentRows} rows)";
}
