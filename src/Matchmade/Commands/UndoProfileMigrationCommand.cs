using System.Management.Automation;
using Matchmade.Core.Rollback;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Rolls the migration back: drops ProfileNew and ContextIntent and marks the migration rolled back in Prisma's history.</para>
/// </summary>
[Cmdlet(VerbsCommon.Undo, "ProfileMigration", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(UndoResult))]
public sealed class UndoProfileMigrationCommand : MatchmadeCommandBase
{
    /// <summary>Drop even when the new tables hold rows the module did not write (the app's).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write every row of the new tables to this file (JSON lines) before dropping them; in a folder, to a file named for the database, schema and time.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    /// <summary>How long to wait for the app's locks on the new tables (lock_timeout).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int LockTimeoutSeconds { get; set; } = 5;

    private protected override void ProcessDatabase()
    {
        var options = new UndoOptions
        {
            Force = Force,
            BackupPath = BackupPath is null ? null : GetUnresolvedProviderPathFromPSPath(BackupPath),
            LockTimeout = TimeSpan.FromSeconds(LockTimeoutSeconds),
        };
        // Look first (read-only, with the same refusals), so the question and -WhatIf can give the row counts.
        var preview = Engine.Undo(options with { DryRun = true }, Cancellation);
        var what = preview.Step == UndoStep.Completion
            ? $"Undo the completion of {Engine.Target.Display} schema '{preview.Schema}': rename Profile ({preview.ProfileNewRows:N0} rows) back to ProfileNew, move the archive ({preview.ArchiveRows:N0} rows) back as the old Profile table, reinstall change tracking"
              + (preview.PrismaMigration == "NoHistoryTable" ? string.Empty : ", and mark the cleanup migration rolled back in _prisma_migrations")
            : $"Drop ProfileNew ({preview.ProfileNewRows:N0} rows) and ContextIntent ({preview.ContextIntentRows:N0} rows) in {Engine.Target.Display} schema '{preview.Schema}'"
            + (preview.ForeignProfileRows + preview.ForeignContextIntentRows > 0 ? $", including {preview.ForeignProfileRows + preview.ForeignContextIntentRows:N0} rows the module did not write" : string.Empty)
            + (preview.PrismaMigration == "NoHistoryTable" ? string.Empty : ", and mark the migration rolled back in _prisma_migrations")
            + (options.BackupPath is null ? string.Empty : $"; back up the rows to {options.BackupPath} first");
        if (!ShouldProcess(what + ".", what + (preview.Step == UndoStep.Completion ? "?" : "? The old tables are not touched."), "Undo-ProfileMigration"))
        {
            return;
        }

        var outcome = Engine.Undo(options, Cancellation);
        WriteObject(new UndoResult
        {
            Server = Engine.Target.Server,
            Database = Engine.Target.Database,
            Schema = outcome.Schema,
            Step = outcome.Step.ToString(),
            Dropped = outcome.Dropped,
            ProfileNewRows = outcome.ProfileNewRows,
            ContextIntentRows = outcome.ContextIntentRows,
            ForeignRows = outcome.ForeignProfileRows + outcome.ForeignContextIntentRows,
            PrismaMigration = outcome.PrismaMigration,
            BackupPath = outcome.BackupPath,
            BackupRows = outcome.BackupRows,
            ArchiveRows = outcome.ArchiveRows,
            RestoredRows = outcome.RestoredRows,
        });
    }
}
