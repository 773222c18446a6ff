using System.Management.Automation;
using Matchmade.Core.Completion;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Completes the migration (the seed's Slice 1c cleanup): renames ProfileNew to Profile and drops the old Profile table, keeping its rows in an archive, in one gated transaction.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Complete, "ProfileMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CompletionResult))]
public sealed class CompleteProfileMigrationCommand : MatchmadeCommandBase
{
    /// <summary>Complete without change tracking (the final sync reconciles every user under the write lock); with -RemoveArchive, remove an archive younger than its retention.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Remove the archive of the old Profile table instead: Undo-ProfileMigration can then no longer step back past the completion.</summary>
    [Parameter]
    public SwitchParameter RemoveArchive { get; set; }

    /// <summary>How long each attempt at one of the cut-over's locks may wait (lock_timeout) before it is retried.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int LockTimeoutSeconds { get; set; } = (int)CompletionOptions.DefaultLockTimeout.TotalSeconds;

    /// <summary>Before the cut-over starts writing, wait while a streaming standby replays more than this many seconds behind. 0 = off (default).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int MaxReplicationLagSeconds { get; set; }

    private protected override void ProcessDatabase()
    {
        var where = $"{Engine.Target.Display} schema '{Engine.Target.Schemas.App}'";
        var action = RemoveArchive
            ? $"Remove the archive of the old Profile table of {where}; Undo-ProfileMigration can then no longer step back past the completion"
            : $"Complete the migration of {where}: drop the old Profile table (its rows kept in the archive) and rename ProfileNew to Profile";
        var dryRun = !ShouldProcess(action + ".", action + "?", "Complete-ProfileMigration", out var reason);
        if (dryRun && reason != ShouldProcessReason.WhatIf)
        {
            return; // answered No to -Confirm
        }

        var outcome = Engine.Complete(
            new CompletionOptions { DryRun = dryRun, Force = Force, RemoveArchive = RemoveArchive, LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds), MaxReplicationLagSeconds = MaxReplicationLagSeconds },
            Cancellation);
        var gates = outcome.Gates.Select(g => $"{g.Name}: {(g.Passed ? "Passed" : g.ErrorId is null ? "Not checked" : $"Refused ({g.ErrorId})")} - {g.Detail}").ToArray();
        if (dryRun)
        {
            foreach (var line in gates.Select(g => "Gate " + g).Concat(outcome.Plan))
            {
                Host.UI.WriteLine("What if: " + line);
            }
        }

        WriteObject(CompletionResult.From(outcome, (RemoveArchive ? "RemoveArchive" : "Complete") + (dryRun ? "WhatIf" : string.Empty), gates));
        if (outcome.Failure is not null)
        {
            throw outcome.Failure;
        }
    }
}
