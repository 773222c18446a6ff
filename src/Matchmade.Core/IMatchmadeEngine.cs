using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Status;
using Matchmade.Core.Sync;
using Matchmade.Core.Verification;

namespace Matchmade.Core;

/// <summary>
/// The narrow interface the PowerShell layer uses: one engine per command invocation, bound to one database.
/// Everything behind it is plain .NET and is tested without PowerShell.
/// </summary>
public interface IMatchmadeEngine : IDisposable
{
    DatabaseTarget Target { get; }

    MigrationStatusInfo GetStatus(CancellationToken cancellationToken);

    /// <summary>
    /// Refuses (MigrationCompleted) a command that works on the transition's tables once the schema is completed. The
    /// engine's commands check it themselves; the cmdlets ask first, so that a DBA is not prompted for what cannot run.
    /// </summary>
    void RefuseIfCompleted(string command, CancellationToken stop);

    /// <summary>Runs (or dry-runs) the migration; <paramref name="stop"/> ends it after the current batch.</summary>
    MigrationOutcome Migrate(MigrationOptions options, CancellationToken stop);

    /// <summary>Runs the named integrity checks (all when null), streaming one result per check.</summary>
    IEnumerable<IntegrityCheckResult> Verify(IReadOnlyCollection<string>? checks, IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken);

    /// <summary>Drops the new tables (or, dry run, says what would be dropped).</summary>
    UndoOutcome Undo(UndoOptions options, CancellationToken cancellationToken);

    /// <summary>Brings the new tables up to date with the app's writes to the old tables; <paramref name="stop"/> ends it after the current batch.</summary>
    SyncOutcome Sync(SyncOptions options, CancellationToken stop);

    /// <summary>The cut-over (Slice 1c), its plan (dry run), or removing the archive afterwards.</summary>
    CompletionOutcome Complete(CompletionOptions options, CancellationToken stop);

    /// <summary>The module's run history, newest first (runs of this schema, of <paramref name="modes"/> only when given); empty when the state schema does not exist.</summary>
    IReadOnlyList<RunRecord> Runs(Guid? runId, int limit, IReadOnlyList<string>? modes, CancellationToken cancellationToken);
}

/// <summary>What the engine tells its host while it works; the PowerShell layer turns these into its streams.</summary>
public interface IOperationLog
{
    void Verbose(string message);

    void Warning(string message);

    void Progress(OperationProgress progress);
}

/// <summary>One progress update. <see cref="PercentComplete"/> is -1 when the total is unknown.</summary>
public sealed record OperationProgress(string Activity, string Status, int PercentComplete, TimeSpan? Remaining, bool Completed = false);

public static class MatchmadeEngine
{
    public static IMatchmadeEngine Connect(ConnectionRequest request, IOperationLog log)
    {
        var target = DatabaseTarget.Create(request);
        log.Verbose($"Connecting to {target.Display} (from {target.ConnectionSource}; connect timeout {(target.ConnectTimeoutSeconds == 0 ? "none" : target.ConnectTimeoutSeconds + " s")}).");
        return new Engine(target, log);
    }

    private sealed class Engine(DatabaseTarget target, IOperationLog log) : IMatchmadeEngine
    {
        public DatabaseTarget Target { get; } = target;

        public MigrationStatusInfo GetStatus(CancellationToken cancellationToken)
        {
            log.Verbose($"Reading the migration status of {Target.Display}, schema '{Target.Schemas.App}'.");
            return StatusReader.Read(Target, cancellationToken);
        }

        public void RefuseIfCompleted(string command, CancellationToken stop) => CompletionState.RefuseIfCompleted(Target, command, stop);

        public MigrationOutcome Migrate(MigrationOptions options, CancellationToken stop)
        {
            CompletionState.RefuseIfCompleted(Target, "Invoke-ProfileMigration", stop);
            return new MigrationRunner(Target, options, log).Run(stop);
        }

        // After a completion the checks run on the completed schema (the archive reconciled with the renamed tables).
        public IEnumerable<IntegrityCheckResult> Verify(IReadOnlyCollection<string>? checks, IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken) =>
            new IntegrityChecker(Target, log).Run(checks, userIds, cancellationToken);

        public SyncOutcome Sync(SyncOptions options, CancellationToken stop)
        {
            CompletionState.RefuseIfCompleted(Target, "Sync-ProfileMigration", stop);
            return new SyncRunner(Target, options, log).Run(stop);
        }

        public CompletionOutcome Complete(CompletionOptions options, CancellationToken stop) => new CompletionRunner(Target, options, log).Run(stop);

        public UndoOutcome Undo(UndoOptions options, CancellationToken cancellationToken) => UndoRunner.Run(Target, options, log, cancellationToken);

        public IReadOnlyList<RunRecord> Runs(Guid? runId, int limit, IReadOnlyList<string>? modes, CancellationToken cancellationToken) =>
            RunHistory.Read(Target, runId, limit, modes, cancellationToken);

        public void Dispose() => Target.Dispose();
    }
}
