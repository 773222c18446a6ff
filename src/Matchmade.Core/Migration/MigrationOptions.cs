using System.Globalization;
using Matchmade.Core.Errors;

namespace Matchmade.Core.Migration;

/// <summary>How to run the migration. Defaults are what a DBA gets without saying anything.</summary>
public sealed record MigrationOptions
{
    /// <summary>Users per transaction. Chosen from the benchmark (docs/performance.md), not the seed's 10.</summary>
    public const int DefaultBatchSize = 5000;
    public const int MaxBatchSize = 100_000;

    /// <summary>
    /// What a batch may hold, in characters: 16 M of blob JSON read (about as many bytes: the blobs are mostly ASCII,
    /// and the merged rows kept for the write are UTF-8) plus <see cref="BatchBudget.FindingChars"/> per finding.
    /// Above it a batch ends early and the next ones ask for fewer users (<see cref="BatchBudget"/>), so what a batch
    /// holds is bounded by its size too, not only by its number of users. Ordinary profiles (1–2 KB per user, a finding
    /// now and then) never reach it at 5,000 users; 30 KB per user, or ten findings per user, do (docs/performance.md,
    /// "Memory").
    /// </summary>
    public const long DefaultBatchBytes = 16L * 1024 * 1024;
    public const int MaxThrottleLimit = 64;
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The bounds of -BatchSize and -ThrottleLimit, the same for every batch run (the migration and the sync).</summary>
    public static void CheckBatchRun(int batchSize, int throttleLimit)
    {
        if (batchSize is < 1 or > MaxBatchSize)
        {
            throw new MatchmadeException(ErrorIds.InvalidBatchSize, FailureKind.InvalidArgument, $"BatchSize must be between 1 and {MaxBatchSize}.");
        }

        if (throttleLimit is < 1 or > MaxThrottleLimit)
        {
            throw new MatchmadeException(ErrorIds.InvalidThrottleLimit, FailureKind.InvalidArgument, $"ThrottleLimit must be between 1 and {MaxThrottleLimit}.");
        }
    }

    /// <summary>Read everything in a READ ONLY transaction, compute the same counts and findings, write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Rebuild already-migrated users' rows in place from the old data.</summary>
    public bool Force { get; init; }

    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>What a batch may hold before it ends early (<see cref="DefaultBatchBytes"/>).</summary>
    public long BatchBytes { get; init; } = DefaultBatchBytes;

    /// <summary>
    /// Live runs: workers over disjoint ranges of user ids, each with two connections of its own (one reads and
    /// merges the next batch while the other writes). 1 = one worker. A dry run always reads one snapshot.
    /// </summary>
    public int ThrottleLimit { get; init; } = 1;

    /// <summary>Only these users (canary). Null = everyone.</summary>
    public IReadOnlyCollection<string>? UserIds { get; init; }

    /// <summary>Migrate at most this many users this run (canary). Null = no limit.</summary>
    public int? MaxUsers { get; init; }

    /// <summary>How long any statement may wait for a lock the app holds before the batch is retried.</summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    /// <summary>Retries of a batch after lock timeouts, serialization failures or deadlocks, with jittered backoff.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Report file or folder; null = ./migration-report-YYYY-MM-DD.json (never overwriting).</summary>
    public string? ReportPath { get; init; }

    /// <summary>
    /// Live runs: install change tracking (triggers on the old tables) before the first user is read, so
    /// Sync-ProfileMigration can bring over what the app writes meanwhile. False = -NoChangeTracking.
    /// </summary>
    public bool ChangeTracking { get; init; } = true;

    /// <summary>
    /// Live runs: before each batch, wait while any streaming standby's replay is more than this many seconds behind
    /// (<see cref="Replication.ReplicationLagGate"/>). 0 = off.
    /// </summary>
    public int MaxReplicationLagSeconds { get; init; }

    /// <summary>Write findings without their values (the report otherwise holds personal data).</summary>
    public bool RedactValues { get; init; }

    /// <summary>The parameters as the report and the run history record them.</summary>
    internal Dictionary<string, string?> RecordedParameters() => new(StringComparer.Ordinal)
    {
        ["batchSize"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["force"] = Force ? "true" : "false",
        ["maxUsers"] = MaxUsers?.ToString(CultureInfo.InvariantCulture),
        ["userIds"] = UserIds is null ? null : UserIds.Count.ToString(CultureInfo.InvariantCulture) + " ids",
        ["lockTimeoutMs"] = ((long)LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ["redactValues"] = RedactValues ? "true" : "false",
        ["throttleLimit"] = ThrottleLimit.ToString(CultureInfo.InvariantCulture),
        ["maxReplicationLagSeconds"] = MaxReplicationLagSeconds.ToString(CultureInfo.InvariantCulture),
        ["changeTracking"] = ChangeTracking ? "true" : "false",
    };
}
