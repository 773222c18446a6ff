using Matchmade.Core.Errors;
using Matchmade.Core.Migration;

namespace Matchmade.Core.Completion;

/// <summary>How to run Complete-ProfileMigration. Defaults are what a DBA gets without saying anything.</summary>
public sealed record CompletionOptions
{
    /// <summary>Short on purpose: while the cut-over waits for a lock, the app's statements queue behind it.</summary>
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long the archive is kept for Undo before -RemoveArchive removes it without -Force.</summary>
    public static readonly TimeSpan ArchiveRetention = TimeSpan.FromDays(7);

    /// <summary>Evaluate the gates and say what would be done (-WhatIf); nothing is written.</summary>
    public bool DryRun { get; init; }

    /// <summary>Complete without change tracking (the final sync reconciles every user), or remove a young archive.</summary>
    public bool Force { get; init; }

    /// <summary>Remove the archive of the old Profile table instead of completing.</summary>
    public bool RemoveArchive { get; init; }

    /// <summary>lock_timeout for each attempt at one of the cut-over's locks.</summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    /// <summary>Before the cut-over starts writing, wait while a streaming standby replays more than this many seconds behind. 0 = off.</summary>
    public int MaxReplicationLagSeconds { get; init; }

    /// <summary>Attempts at each lock after the first, with jittered pauses between them.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Users per batch of the final sync.</summary>
    public int BatchSize { get; init; } = MigrationOptions.DefaultBatchSize;

    /// <summary>Tests only: runs in the cut-over's transaction, before its first lock (the app's writes in that window).</summary>
    internal Action? BeforeWriteLock { get; init; }

    /// <summary>Tests only: runs under the write lock, before the exclusive lock.</summary>
    internal Action? BeforeExclusiveLock { get; init; }

    /// <summary>Tests only: runs under the exclusive lock after every catalog change, just before the commit.</summary>
    internal Action? BeforeCommit { get; init; }
}

/// <summary>One gate of the completion: passed, or the refusal it gives.</summary>
public sealed record CompletionGate(string Name, bool Passed, string Detail, string? ErrorId = null);

/// <summary>What Complete-ProfileMigration did (-WhatIf: the plan).</summary>
public sealed record CompletionOutcome
{
    public required Guid RunId { get; init; }
    public required bool DryRun { get; init; }
    public required RunStatus Status { get; init; }
    public required string Server { get; init; }
    public required string Database { get; init; }
    public required string Schema { get; init; }
    public required IReadOnlyList<CompletionGate> Gates { get; init; }

    /// <summary>The steps in order, with the locks each takes (what -WhatIf prints).</summary>
    public required IReadOnlyList<string> Plan { get; init; }

    /// <summary>Users the final sync brought over under the write lock.</summary>
    public long UsersSynced { get; init; }

    /// <summary>Rows of the old Profile table moved into the archive, counted after the commit (-WhatIf: rows it holds now).</summary>
    public long RowsArchived { get; init; }

    /// <summary>Waiting for the write-blocking lock on User, ContextProfile and Profile (retries included).</summary>
    public TimeSpan WriteLockWait { get; init; }

    /// <summary>How long the app's writes to the old tables waited on the cut-over (lock taken to commit).</summary>
    public TimeSpan WriteLockHeld { get; init; }

    /// <summary>Waiting for the ACCESS EXCLUSIVE lock on ProfileNew, Profile, ContextProfile and User (retries included).</summary>
    public TimeSpan ExclusiveLockWait { get; init; }

    /// <summary>How long ProfileNew (and the other three) were locked exclusively: lock taken to commit.</summary>
    public TimeSpan ExclusiveLockHeld { get; init; }

    /// <summary>Lock attempts that timed out and were retried.</summary>
    public int LockRetries { get; init; }

    /// <summary>What _prisma_migrations says of the cleanup migration afterwards (Applied, or NoHistoryTable).</summary>
    public string? PrismaMigration { get; init; }
    public bool ArchiveRemoved { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    public TimeSpan Duration => FinishedAt - StartedAt;
    public string? Message { get; init; }

    /// <summary>Why the completion failed after it started (Status = Failed); everything was rolled back.</summary>
    public MatchmadeException? Failure { get; init; }
}
