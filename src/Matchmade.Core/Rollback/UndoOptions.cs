namespace Matchmade.Core.Rollback;

public sealed record UndoOptions
{
    /// <summary>Only report what would be dropped.</summary>
    public bool DryRun { get; init; }

    /// <summary>Drop even when the new tables hold rows the module did not write (the app's).</summary>
    public bool Force { get; init; }

    /// <summary>Write every row of the new tables here (JSON lines) before dropping them.</summary>
    public string? BackupPath { get; init; }

    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>Which step back Undo-ProfileMigration took.</summary>
public enum UndoStep
{
    /// <summary>The migration (Slice 1a): the new tables dropped.</summary>
    Migration,

    /// <summary>The completion (Slice 1c): ProfileNew and the old Profile table restored.</summary>
    Completion,
}

public sealed record UndoOutcome
{
    public UndoStep Step { get; init; } = UndoStep.Migration;

    public required bool DryRun { get; init; }
    public required bool Dropped { get; init; }
    public required string Schema { get; init; }
    public required long ProfileNewRows { get; init; }
    public required long ContextIntentRows { get; init; }
    public required long ForeignProfileRows { get; init; }
    public required long ForeignContextIntentRows { get; init; }
    public required string PrismaMigration { get; init; }
    public string? BackupPath { get; init; }
    public long BackupRows { get; init; }

    /// <summary>Undo of a completion: rows in the archive of the old Profile table.</summary>
    public long ArchiveRows { get; init; }

    /// <summary>Undo of a completion: archived rows restored into the old Profile table (those whose ContextProfile still exists).</summary>
    public long RestoredRows { get; init; }
}
