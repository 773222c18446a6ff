using System.Globalization;
using System.Management.Automation;
using Matchmade.Core.Sync;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Brings ProfileNew and ContextIntent up to date with what the app wrote to the old tables since the migration.</para>
/// </summary>
[Cmdlet(VerbsData.Sync, "ProfileMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SyncResult))]
public sealed class SyncProfileMigrationCommand : BatchRunCommandBase
{
    /// <summary>Reconcile every user with the old tables and rebuild exactly those that differ (no change tracking needed).</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>Keep following the app's writes until Ctrl+C or -Until.</summary>
    [Parameter]
    public SwitchParameter Continuous { get; set; }

    /// <summary>-Continuous: stop at this time.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>-Continuous: seconds to wait between passes when nothing is pending.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int IntervalSeconds { get; set; } = (int)SyncOptions.DefaultInterval.TotalSeconds;

    private protected override void ProcessDatabase()
    {
        Engine.RefuseIfCompleted("Sync-ProfileMigration", Cancellation);
        var where = $"{Engine.Target.Display} schema '{Engine.Target.Schemas.App}'";
        var action = Full
            ? $"Reconcile every user of {where} with the old tables and rebuild the new rows of those that differ"
            : $"Re-sync the new rows of the users the app changed in the old tables of {where}{(Continuous ? ", following new changes" : string.Empty)}";
        var dryRun = !ShouldProcess(action + ".", action + "?", "Sync-ProfileMigration", out var reason);
        if (dryRun && reason != ShouldProcessReason.WhatIf)
        {
            return; // answered No to -Confirm
        }

        var outcome = Engine.Sync(
            new SyncOptions
            {
                DryRun = dryRun,
                BatchSize = BatchSize,
                ThrottleLimit = ThrottleLimit,
                Full = Full,
                Continuous = Continuous,
                Until = Until is { } until ? new DateTimeOffset(until.ToUniversalTime(), TimeSpan.Zero) : null,
                Interval = TimeSpan.FromSeconds(IntervalSeconds),
                LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
                MaxReplicationLagSeconds = MaxReplicationLagSeconds,
                ReportPath = ResolvedReportPath,
                RedactValues = RedactValues,
            },
            Cancellation);
        var result = SyncResult.From(outcome);

        // Kept where a stopped pipeline (Ctrl+C, the usual end of -Continuous) can still be asked.
        SessionState.PSVariable.Set("global:MatchmadeLastSync", result);
        WriteObject(result);
        if (outcome.Failure is not null)
        {
            throw outcome.Failure;
        }

        if (outcome.UsersFailed > 0)
        {
            WriteWarning(string.Create(CultureInfo.InvariantCulture, $"{outcome.UsersFailed} user(s) could not be synced and stay pending; see the errors in {outcome.ReportPath}. Fix their data and sync again."));
        }
    }
}
