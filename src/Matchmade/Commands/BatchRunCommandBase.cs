using System.Management.Automation;
using Matchmade.Core.Migration;

namespace Matchmade.Commands;

/// <summary>
/// What the two cmdlets that run the batch pipeline and write a report share (Invoke-ProfileMigration and
/// Sync-ProfileMigration): the batch size, the waits for the app's locks and for a standby, and the report's place and
/// redaction. One declaration, so their names, defaults and limits cannot drift apart.
/// </summary>
public abstract class BatchRunCommandBase : MatchmadeCommandBase
{
    /// <summary>Users per transaction.</summary>
    [Parameter]
    [ValidateRange(1, MigrationOptions.MaxBatchSize)]
    public int BatchSize { get; set; } = MigrationOptions.DefaultBatchSize;

    /// <summary>This many workers over disjoint ranges of the users (a live run's, a sync's changed users), each with its own connections.</summary>
    [Parameter]
    [ValidateRange(1, MigrationOptions.MaxThrottleLimit)]
    public int ThrottleLimit { get; set; } = 1;

    /// <summary>How long a statement may wait for a lock held by the app before the batch is retried (lock_timeout).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int LockTimeoutSeconds { get; set; } = (int)MigrationOptions.DefaultLockTimeout.TotalSeconds;

    /// <summary>Before each batch, wait while a streaming standby replays more than this many seconds behind. 0 = off (default).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int MaxReplicationLagSeconds { get; set; }

    /// <summary>The JSON report's file or folder. Default: ./migration-report-YYYY-MM-DD.json, never overwriting.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ReportPath { get; set; }

    /// <summary>Write the report's findings without their values (the values are personal data).</summary>
    [Parameter]
    public SwitchParameter RedactValues { get; set; }

    /// <summary>The report's path for the core: relative paths and the default location follow PowerShell's current location, not the process's.</summary>
    private protected string ResolvedReportPath =>
        ReportPath is null ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : GetUnresolvedProviderPathFromPSPath(ReportPath);
}
