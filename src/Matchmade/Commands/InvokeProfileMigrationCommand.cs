using System.Globalization;
using System.Management.Automation;
using Matchmade.Core.Migration;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Migrates users' per-context profile blobs to ProfileNew and ContextIntent.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "ProfileMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(MigrationResult))]
public sealed class InvokeProfileMigrationCommand : BatchRunCommandBase
{
    private readonly List<string> userIds = [];

    /// <summary>Only these users (a canary). Also from the pipeline by property name (UserId).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NoCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? UserId { get; set; }

    /// <summary>Migrate at most this many users in this run.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxUsers { get; set; }

    /// <summary>Rebuild users that are already migrated, in place, from the old data.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Do not install change tracking (triggers on the old tables); then only Sync-ProfileMigration -Full can catch up with the app's writes.</summary>
    [Parameter]
    public SwitchParameter NoChangeTracking { get; set; }

    private protected override void OnRecord()
    {
        if (UserId is not null)
        {
            userIds.AddRange(UserId);
        }
    }

    private protected override void ProcessDatabase()
    {
        Engine.RefuseIfCompleted("Invoke-ProfileMigration", Cancellation);
        var scope = userIds.Count > 0 ? $"{userIds.Count} user id(s)" : MaxUsers > 0 ? $"up to {MaxUsers} users" : "all users";
        var where = $"{Engine.Target.Display} schema '{Engine.Target.Schemas.App}'";
        var action = $"Migrate {scope} of {where} to ProfileNew and ContextIntent{(Force ? ", rebuilding users already migrated" : string.Empty)}";
        var dryRun = !ShouldProcess(action + ".", action + "?", "Invoke-ProfileMigration", out var reason);
        if (dryRun && reason != ShouldProcessReason.WhatIf)
        {
            return; // answered No to -Confirm
        }

        var outcome = Engine.Migrate(
            new MigrationOptions
            {
                DryRun = dryRun,
                Force = Force,
                BatchSize = BatchSize,
                ThrottleLimit = ThrottleLimit,
                UserIds = userIds.Count > 0 ? userIds.Distinct(StringComparer.Ordinal).ToArray() : null,
                MaxUsers = MaxUsers > 0 ? MaxUsers : null,
                LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
                MaxReplicationLagSeconds = MaxReplicationLagSeconds,
                ReportPath = ResolvedReportPath,
                RedactValues = RedactValues,
                ChangeTracking = !NoChangeTracking,
            },
            Cancellation);
        var result = MigrationResult.From(outcome);

        // Kept where a stopped pipeline (Ctrl+C) can still be asked: nothing can be written to it any more.
        SessionState.PSVariable.Set("global:MatchmadeLastRun", result);
        if (outcome.Status == RunStatus.Cancelled)
        {
            SayStopped(result);
        }

        WriteObject(result);
        if (outcome.Failure is not null)
        {
            throw outcome.Failure;
        }

        if (outcome.UsersFailed > 0)
        {
            WriteWarning(string.Create(CultureInfo.InvariantCulture, $"{outcome.UsersFailed} user(s) could not be migrated; see the errors in {outcome.ReportPath}. Fix their data and run again."));
        }
    }

    /// <summary>
    /// Ctrl+C must not end in a bare prompt. The stopped pipeline refuses every stream, so the warning goes straight
    /// to the host's console (the same WARNING: line a warning stream would give).
    /// </summary>
    private void SayStopped(MigrationResult result)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{result.Message} {result.UsersMigrated:N0} user(s) {(result.Mode == nameof(RunMode.DryRun) ? "checked" : "migrated")} in this run, {result.UsersRemaining:N0} remaining; report: {result.ReportPath ?? "(none)"}. $MatchmadeLastRun has the result.");
        if (Stopping)
        {
            Host.UI.WriteWarningLine(text);
        }
        else
        {
            WriteWarning(text);
        }
    }
}
