using Matchmade.Core.Migration;

namespace Matchmade.Core.Sync;

/// <summary>How to run Sync-ProfileMigration. Defaults are what a DBA gets without saying anything.</summary>
public sealed record SyncOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>Say what would be re-synced (pending users), write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Users per transaction.</summary>
    public int BatchSize { get; init; } = MigrationOptions.DefaultBatchSize;

    /// <summary>Workers over disjoint slices of the changed users, each with its own connections (a read and a write).</summary>
    public int ThrottleLimit { get; init; } = 1;

    /// <summary>Reconcile every user with the old tables and rebuild those that differ (no tracking needed).</summary>
    public bool Full { get; init; }

    /// <summary>Keep following the changes until stopped or <see cref="Until"/>.</summary>
    public bool Continuous { get; init; }

    /// <summary>-Continuous: stop at this time (null = until Ctrl+C).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>-Continuous: how long to wait between passes when nothing is pending.</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;

    public TimeSpan LockTimeout { get; init; } = MigrationOptions.DefaultLockTimeout;

    /// <summary>Before each batch, wait while a streaming standby replays more than this many seconds behind. 0 = off.</summary>
    public int MaxReplicationLagSeconds { get; init; }

    /// <summary>Retries of a batch after lock timeouts, serialization failures or deadlocks, with jittered backoff.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>What a batch may hold before it ends early, as the migration's (<see cref="MigrationOptions.DefaultBatchBytes"/>).</summary>
    public long BatchBytes { get; init; } = MigrationOptions.DefaultBatchBytes;

    /// <summary>Report file or folder; null = ./migration-report-YYYY-MM-DD.json (never overwriting).</summary>
    public string? ReportPath { get; init; }

    public bool RedactValues { get; init; }
}
