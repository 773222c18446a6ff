using Matchmade.Core.Completion;

namespace Matchmade;

/// <summary>Output of Complete-ProfileMigration: what the cut-over did (-WhatIf: its plan and gates).</summary>
public sealed class CompletionResult
{
    public Guid RunId { get; init; }

    /// <summary>Complete, WhatIf, RemoveArchive or RemoveArchiveWhatIf.</summary>
    public string Mode { get; init; } = "";

    /// <summary>Completed, Cancelled or Failed (rolled back: nothing changed).</summary>
    public string Status { get; init; } = "";
    public string Server { get; init; } = "";
    public string Database { get; init; } = "";
    public string Schema { get; init; } = "";

    /// <summary>Each gate as "Name: Passed|Refused (ErrorId) - detail".</summary>
    public string[] Gates { get; init; } = [];

    /// <summary>The steps in order, with the locks each takes.</summary>
    public string[] Plan { get; init; } = [];

    /// <summary>Users the final sync brought over under the write lock.</summary>
    public long UsersSynced { get; init; }

    /// <summary>Rows of the old Profile table moved into the archive (-WhatIf: rows it would archive).</summary>
    public long RowsArchived { get; init; }
    public TimeSpan WriteLockWait { get; init; }

    /// <summary>How long the app's writes to the old tables were blocked (reads went on).</summary>
    public TimeSpan WriteLockHeld { get; init; }
    public TimeSpan ExclusiveLockWait { get; init; }

    /// <summary>How long ProfileNew, Profile, ContextProfile and User were locked exclusively.</summary>
    public TimeSpan ExclusiveLockHeld { get; init; }
    public int LockRetries { get; init; }

    /// <summary>What _prisma_migrations says of 20260105000000_complete_profile_migration: Applied, or NoHistoryTable.</summary>
    public string? PrismaMigration { get; init; }
    public bool ArchiveRemoved { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration { get; init; }
    public string? Message { get; init; }

    /// <summary>The one projection of a cut-over's outcome; <paramref name="gates"/> as the command shows them.</summary>
    internal static CompletionResult From(CompletionOutcome outcome, string mode, string[] gates) => new()
    {
        RunId = outcome.RunId,
        Mode = mode,
        Status = outcome.Status.ToString(),
        Server = outcome.Server,
        Database = outcome.Database,
        Schema = outcome.Schema,
        Gates = gates,
        Plan = [.. outcome.Plan],
        UsersSynced = outcome.UsersSynced,
        RowsArchived = outcome.RowsArchived,
        WriteLockWait = outcome.WriteLockWait,
        WriteLockHeld = outcome.WriteLockHeld,
        ExclusiveLockWait = outcome.ExclusiveLockWait,
        ExclusiveLockHeld = outcome.ExclusiveLockHeld,
        LockRetries = outcome.LockRetries,
        PrismaMigration = outcome.PrismaMigration,
        ArchiveRemoved = outcome.ArchiveRemoved,
        StartedAt = outcome.StartedAt,
        FinishedAt = outcome.FinishedAt,
        Duration = outcome.Duration,
        Message = outcome.Message,
    };

    public override string ToString() => $"{Database} [{Schema}]: {Mode} {Status}";
}
