using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Replication;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Sync;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Complete-ProfileMigration: the seed's cleanup (Slice 1c) as one transaction. The gates first (read-only); then, in
/// the transaction, the write-blocking lock on the old tables (reads go on), the final sync of what the app changed
/// (<see cref="SyncBatch"/>) and its re-check, and only then the short ACCESS EXCLUSIVE lock for catalog changes
/// alone: removing the change tracking, moving the old Profile table into the archive (not copying it, see
/// cutover-archive.sql), cleanup-migration.sql and Prisma's record. Any failure rolls all of it back.
/// </summary>
public sealed class CompletionRunner(DatabaseTarget target, CompletionOptions options, IOperationLog log)
{
    private const string Activity = "Completing the migration";
    private readonly Guid runId = Guid.NewGuid();
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private readonly SchemaNames schemas = target.Schemas;

    public CompletionOutcome Run(CancellationToken stop)
    {
        if (options.RemoveArchive)
        {
            return ArchiveRemoval.Run(target, options, log, stop);
        }

        using var runLock = RunLock.Acquire(target, "Complete-ProfileMigration", stop, writes: !options.DryRun);
        using var connection = target.Open(stop);
        var (gates, rows, tracking) = CheckGates(connection, stop);
        var plan = Plan(rows, tracking);
        if (options.DryRun)
        {
            return Outcome(RunStatus.Completed, gates, plan) with { DryRun = true, RowsArchived = rows, Message = gates.TrueForAll(g => g.Passed) ? "Every gate passes: the completion would go ahead as planned." : "A gate refuses: the completion would not start." };
        }

        if (gates.Find(g => g.ErrorId is not null) is { } refused)
        {
            throw new MatchmadeException(refused.ErrorId!, FailureKind.InvalidOperation, $"Complete-ProfileMigration refused (nothing was changed): {refused.Detail}", target: schemas.App);
        }

        using var lagGate = ReplicationLagGate.Create(target, options.MaxReplicationLagSeconds, log, Activity, stop);
        var history = StartHistory(runLock);
        var outcome = TryCutOver(connection, history, lagGate, tracking, gates, plan, stop);
        log.Progress(new OperationProgress(Activity, outcome.Status.ToString(), 100, null, Completed: true));
        history.Finish(runId, new MigrationOutcome
        {
            RunId = runId, Mode = RunMode.Complete, Status = outcome.Status, Server = outcome.Server, Database = outcome.Database, Schema = outcome.Schema,
            Counts = new() { Errors = outcome.Failure is null ? 0 : 1 }, StartedAt = startedAt, FinishedAt = outcome.FinishedAt, Message = outcome.Message,
        });
        return outcome;
    }

    /// <summary>The grants (live run only) and the gates; when every gate passes, the rows to archive and whether change tracking is installed.</summary>
    private (List<CompletionGate> Gates, long Rows, bool Tracking) CheckGates(NpgsqlConnection connection, CancellationToken stop)
    {
        try
        {
            if (!options.DryRun)
            {
                CompletionPrivileges.Check(connection, target);
            }

            var gates = CompletionGates.Evaluate(connection, target, options, log, stop);
            var ready = gates.TrueForAll(g => g.Passed);
            var rows = ready ? CutOverLock.Count(connection, null, $"SELECT count(*) FROM {schemas.AppQuoted}.\"Profile\"") : 0;
            var tracking = ready && ChangeTracking.Read(connection, null, schemas).Installed;
            return (gates, rows, tracking);
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, "Checking the completion's grants and gates", target);
        }
    }

    /// <summary>The run history's row of this completion; what the server refuses here (nothing is changed yet) is a stable-id error.</summary>
    private RunHistory StartHistory(RunLock runLock)
    {
        try
        {
            var history = new RunHistory(runLock.Connection, target, log);
            history.Prepare();
            history.Start(runId, RunMode.Complete, new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["force"] = options.Force ? "true" : "false",
                ["lockTimeoutMs"] = ((long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                ["maxReplicationLagSeconds"] = options.MaxReplicationLagSeconds.ToString(CultureInfo.InvariantCulture),
            }, 0, 0);
            return history;
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, "Recording the completion's start in the run history", target);
        }
    }

    /// <summary>The cut-over, or (stopped or failed, all of it rolled back) the outcome that says so.</summary>
    private CompletionOutcome TryCutOver(
        NpgsqlConnection connection, RunHistory history, ReplicationLagGate lagGate, bool tracking, List<CompletionGate> gates, List<string> plan, CancellationToken stop)
    {
        try
        {
            // The final sync writes WAL and the cut-over ends with catalog changes a standby must replay: one already
            // too far behind is waited for before any lock is taken.
            lagGate.WaitBeforeBatch(stop);
            stop.ThrowIfCancellationRequested();
            return CutOver(connection, history, tracking, stop) with { Gates = gates, Plan = plan };
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return Outcome(RunStatus.Cancelled, gates, plan) with { Message = "Stopped on request: the cut-over was rolled back, nothing changed." };
        }
        catch (Exception e)
        {
            var failure = DbErrors.During(e, "The cut-over", target);
            return Outcome(RunStatus.Failed, gates, plan) with { Failure = failure, Message = $"The cut-over was rolled back, nothing changed: {failure.Message}" };
        }
    }

    private CompletionOutcome CutOver(NpgsqlConnection connection, RunHistory history, bool tracking, CancellationToken stop)
    {
        var prismaTable = SchemaInspector.TablesPresent(connection, schemas.App, [PrismaSchema.MigrationsTable]).Count == 1;
        using var transaction = connection.BeginTransaction();
        Db.SetLockTimeout(connection, transaction, options.LockTimeout);
        Db.ForBatchWork(connection, transaction); // the final sync's claim runs while the app's writes wait
        options.BeforeWriteLock?.Invoke();

        log.Progress(new OperationProgress(Activity, "Blocking the app's writes to the old tables", 10, null));
        var (writeWait, writeRetries) = CutOverLock.Take(connection, transaction, SqlText.For("cutover-write-lock.sql", schemas), "write-blocking lock on User, ContextProfile and Profile", options.LockTimeout, options.MaxRetries, log, stop);
        var writeHeld = Stopwatch.StartNew();
        log.Progress(new OperationProgress(Activity, "Final sync under the write lock", 20, null));
        var synced = FinalSync(connection, transaction, history, tracking, stop);
        var recheck = new IntegrityChecker(target, log).ReconcileInTransaction(connection, transaction, synced, stop);
        if (recheck is { Passed: false })
        {
            throw new MatchmadeException(ErrorIds.CutOverCheckFailed, FailureKind.InvalidData,
                $"Under the cut-over's lock, after the final sync, the reconciliation of the {synced.Count:N0} users it synced fails: {recheck.Detail}. The cut-over was rolled back (nothing changed); run Test-MigrationIntegrity and Sync-ProfileMigration -Full, then complete again.", target: schemas.App);
        }
        options.BeforeExclusiveLock?.Invoke();

        log.Progress(new OperationProgress(Activity, "Moving the old Profile table into the archive, renaming ProfileNew to Profile", 80, null));
        var (exclusiveWait, exclusiveRetries) = CutOverLock.Take(connection, transaction, SqlText.For("cutover-exclusive-lock.sql", schemas), "ACCESS EXCLUSIVE lock on ProfileNew, Profile, ContextProfile and User", options.LockTimeout, options.MaxRetries, log, stop);
        var exclusiveHeld = Stopwatch.StartNew();
        // Catalog changes only, whatever the number of users: nothing here reads, writes or removes the old table's files.
        ChangeTracking.Remove(connection, transaction, schemas, log);
        Db.Execute(connection, transaction, SqlText.For("cutover-archive.sql", schemas));
        PrismaSchema.Cleanup.Apply(connection, transaction, schemas, record: prismaTable);
        options.BeforeCommit?.Invoke();
        transaction.Commit();
        exclusiveHeld.Stop();
        writeHeld.Stop();
        var archived = CountArchive(connection);
        var message = string.Create(CultureInfo.InvariantCulture,
            $"Completed: ProfileNew is now Profile. {synced.Count:N0} users synced under the write lock; the old Profile table ({archived:N0} rows) moved to {schemas.State}.{CompletionState.ArchiveTable}; the app's writes to the old tables waited at most {writeHeld.Elapsed.TotalMilliseconds:N0} ms; the tables were locked exclusively for {exclusiveHeld.Elapsed.TotalMilliseconds:N0} ms.");
        log.Verbose(message);
        return Outcome(RunStatus.Completed, [], []) with
        {
            UsersSynced = synced.Count, RowsArchived = archived,
            WriteLockWait = writeWait, WriteLockHeld = writeHeld.Elapsed, ExclusiveLockWait = exclusiveWait, ExclusiveLockHeld = exclusiveHeld.Elapsed,
            LockRetries = writeRetries + exclusiveRetries, PrismaMigration = prismaTable ? PrismaMigrationState.Applied.ToString() : PrismaMigrationState.NoHistoryTable.ToString(),
            Message = message,
        };
    }

    /// <summary>
    /// The archive's rows, counted after the commit (outside every lock: nothing writes the archive). The completion
    /// has happened by then, so a failed count is a warning, not a failure.
    /// </summary>
    private long CountArchive(NpgsqlConnection connection)
    {
        try
        {
            return CutOverLock.Count(connection, null, $"SELECT count(*) FROM {schemas.StateQuoted}.\"{CompletionState.ArchiveTable}\"");
        }
        catch (NpgsqlException e)
        {
            log.Warning($"The completion is committed, but counting the archive's rows failed ({Secrets.Scrub(e.Message)}): RowsArchived says 0.");
            return 0;
        }
    }

    /// <summary>
    /// Under the write lock nothing can change in the old tables, so one claim of the change records covers every
    /// change; without tracking (-Force) every user that differs is re-synced. Returns the users synced.
    /// </summary>
    private List<string> FinalSync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunHistory history, bool tracking, CancellationToken stop)
    {
        List<ClaimedUser> users;
        ChangeRecord[] orphans = [];
        if (tracking)
        {
            (users, orphans, _) = SyncRunner.Claim(connection, transaction, schemas);
        }
        else
        {
            // Another session reads (the write lock lets it): the old tables cannot change while it does.
            users = new IntegrityChecker(target, log).DifferingUsers(stop).ConvertAll(id => new ClaimedUser(id, []));
        }

        var batch = new SyncBatch(schemas, runId);
        for (var start = 0; start < users.Count || (start == 0 && orphans.Length > 0); start += options.BatchSize)
        {
            stop.ThrowIfCancellationRequested();
            var slice = users.GetRange(start, Math.Min(options.BatchSize, users.Count - start));
            var result = batch.Run(connection, transaction, slice, start == 0 ? orphans : [], history);
            if (result.Failed > 0)
            {
                throw new MatchmadeException(ErrorIds.CutOverSyncFailed, FailureKind.InvalidData,
                    $"The final sync could not write {result.Failed:N0} users (e.g. {string.Join("; ", result.Errors.Take(3).Select(e => $"{e.UserId}: {e.Reason}"))}). The cut-over was rolled back (nothing changed); fix their data in the old tables, run Sync-ProfileMigration, then complete again.", target: schemas.App);
            }
        }

        log.Verbose($"Final sync under the write lock: {users.Count:N0} users ({(tracking ? "changed since the last sync" : "every user that differs: no change tracking")}).");
        return users.ConvertAll(u => u.UserId);
    }

    private List<string> Plan(long rows, bool tracking) =>
    [
        $"1. Gates: the migration is done, the last run completed cleanly, change tracking is installed{(options.Force ? " (or -Force)" : string.Empty)}, every integrity check passes.",
        $"2. In one transaction: LOCK {schemas.App}.User, ContextProfile, Profile IN SHARE ROW EXCLUSIVE MODE (lock_timeout {options.LockTimeout.TotalSeconds:N0} s, up to {options.MaxRetries} jittered retries): the app's writes to the old tables wait, reads and ChatMessage inserts go on.",
        $"3. Final sync of {(tracking ? "the users the app changed (change tracking)" : "every user that differs (full reconciliation: no change tracking)")}; re-check those users' reconciliation.",
        string.Create(CultureInfo.InvariantCulture, $"4. LOCK {schemas.App}.ProfileNew, Profile, ContextProfile, User IN ACCESS EXCLUSIVE MODE (same timeout and retries), held to the commit, for catalog changes only: remove change tracking; move the old Profile table ({rows:N0} rows) into {schemas.State}.{CompletionState.ArchiveTable} (no copy); apply {PrismaSchema.Cleanup.Name}/migration.sql (its DROP TABLE meets an empty stand-in; ProfileNew renamed to Profile); record it in _prisma_migrations where that table exists; commit."),
    ];

    private CompletionOutcome Outcome(RunStatus status, IReadOnlyList<CompletionGate> gates, IReadOnlyList<string> plan) => new()
    {
        RunId = runId, DryRun = false, Status = status, Server = $"{target.Host}:{target.Port}", Database = target.Database, Schema = schemas.App,
        Gates = gates, Plan = plan, StartedAt = startedAt, FinishedAt = DateTimeOffset.UtcNow,
    };
}
