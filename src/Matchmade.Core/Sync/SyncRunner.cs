using System.Collections.Concurrent;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Replication;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Npgsql;

namespace Matchmade.Core.Sync;

/// <summary>
/// Sync-ProfileMigration: brings the new tables up to date with what the app wrote to the old tables since the
/// migration read them. A pass claims the change records up to the highest sequence number at its start and runs the
/// changed users through the batch pipeline (<see cref="ChangedUsersSource"/> → <see cref="SyncSink"/>, each batch a
/// <see cref="SyncBatch"/>), in -ThrottleLimit workers over disjoint slices of them; this class is the runbook around
/// it (passes, -Continuous, -Full, the workers, the report and the run history).
/// </summary>
public sealed partial class SyncRunner
{
    internal const string Activity = "Syncing changed profiles";

    private readonly DatabaseTarget target;
    private readonly SyncOptions options;
    // Every log line goes through the relay: worker threads' lines wait until the run's own thread writes them.
    private readonly LogRelay log;
    private readonly Guid runId = Guid.NewGuid();
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private readonly SyncCounters counters = new();
    private int passes;
    private ReplicationLagGate? lagGate;
    private NpgsqlConnection? readConnection;
    private readonly ConcurrentDictionary<string, bool> reported = new(StringComparer.Ordinal); // users whose failure the run has reported
    private readonly List<SyncBatch> batches = []; // one per worker, kept over the passes (each keeps its own settled check)
    private bool lockUsers = true; // whether the role may lock "User" rows (Prepare)

    public SyncRunner(DatabaseTarget target, SyncOptions options, IOperationLog log)
    {
        MigrationOptions.CheckBatchRun(options.BatchSize, options.ThrottleLimit);

        if (options.Interval <= TimeSpan.Zero)
        {
            throw new MatchmadeException(ErrorIds.InvalidInterval, FailureKind.InvalidArgument, "IntervalSeconds must be at least 1.");
        }

        this.target = target;
        this.options = options;
        this.log = new LogRelay(log);
    }

    /// <summary>
    /// Syncs until nothing claimed is left (or, -Continuous, until <paramref name="stop"/> or -Until); a stop ends it
    /// after the current batch. Argument, lock, missing-table and tracking problems found before anything is written
    /// are thrown; a failure afterwards ends the sync with Status Failed and <see cref="SyncOutcome.Failure"/>.
    /// </summary>
    public SyncOutcome Run(CancellationToken stop)
    {
        if (options.DryRun)
        {
            return WhatIf(stop);
        }

        using var report = ReportWriter.Create(options.ReportPath, startedAt, options.RedactValues);
        using var runLock = RunLock.Acquire(target, "Sync-ProfileMigration", stop);
        using var gate = lagGate = ReplicationLagGate.Create(target, options.MaxReplicationLagSeconds, log, Activity, stop);
        var history = new RunHistory(runLock.Connection, target, log) { RedactValues = options.RedactValues };
        using var connection = target.Open(stop);
        using var reads = readConnection = target.Open(stop); // the pipeline reads the next batch on it while this one is written
        var tracking = Prepare(connection, history);
        MatchmadeException? failure = null;
        try
        {
            do
            {
                var synced = options.Full && (passes == 0 || !tracking.TableExists) ? FullPass(connection, history, report, tracking.TableExists, stop) : Pass(connection, history, report, stop);
                passes++;
                if (options.Continuous && synced == 0 && !stop.IsCancellationRequested)
                {
                    Wait(stop);
                }
            }
            while (options.Continuous && !stop.IsCancellationRequested && !(DateTimeOffset.UtcNow >= options.Until));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped while waiting to retry or while -Full reconciled: nothing of the batch in hand was written.
        }
        catch (Exception e)
        {
            failure = e as MatchmadeException ?? DbErrors.During(e, $"Batch {counters.Batches + 1} of the sync", target);
            report.AddError(new RunError(null, failure.ErrorId, failure.Message));
        }

        var status = failure is not null ? RunStatus.Failed
            : stop.IsCancellationRequested && !options.Continuous ? RunStatus.Cancelled
            : RunStatus.Completed;
        var outcome = Finish(connection, report, status, failure);
        history.Finish(runId, new MigrationOutcome
        {
            RunId = runId, Mode = RunMode.Sync, Status = status, Server = outcome.Server, Database = outcome.Database, Schema = outcome.Schema,
            Counts = new() { UsersFailed = counters.Failed, Errors = outcome.Errors }, StartedAt = startedAt, FinishedAt = outcome.FinishedAt, ReportPath = outcome.ReportPath, Message = outcome.Message,
        });
        return outcome;
    }

    /// <summary>The preflight, the grants a live write needs, the run history's start and the session's lock_timeout.</summary>
    private TrackingState Prepare(NpgsqlConnection connection, RunHistory history)
    {
        try
        {
            var tracking = Preflight(connection, countPending: false);
            PrivilegeCheck.ForLiveRun(connection, target, force: true);
            lockUsers = CanLockUsers(connection);
            history.Prepare();
            history.Start(runId, RunMode.Sync, Parameters(), 0, 0);
            // Both connections as every other worker's: -LockTimeout bounds the reads' waits too, so a read queued behind
            // an app's ALTER TABLE fails with LockTimeout instead of waiting without a word.
            Workers.Prepare(connection, options.LockTimeout);
            Workers.Prepare(readConnection!, options.LockTimeout);
            return tracking;
        }
        catch (Exception e) when (e is not MatchmadeException)
        {
            throw DbErrors.During(e, "Preparing the sync", target);
        }
    }

    /// <summary>
    /// Whether the role may lock "User" rows first in each batch (FOR KEY SHARE needs UPDATE on the table, beyond the
    /// documented grants). Without it the batches go on unlocked, and the warning says what that risks and what grant
    /// avoids it.
    /// </summary>
    private bool CanLockUsers(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("sync-can-lock-users.sql"), connection);
        command.Parameters.AddWithValue("app", target.Schemas.App);
        if ((bool)command.ExecuteScalar()!)
        {
            return true;
        }

        log.Warning($"This role may not lock rows of {target.Schemas.AppQuoted}.\"User\" (FOR KEY SHARE needs UPDATE on it), so each batch goes on without: an app deleting a user while the sync rewrites that user may deadlock with it, and PostgreSQL then rolls one of the two back (the sync retries its batch; the app's statement fails). To avoid it, GRANT UPDATE (id) ON {target.Schemas.AppQuoted}.\"User\" to this role for the transition (the module never writes the old tables: docs/permissions.md).");
        return false;
    }

    /// <summary>-WhatIf: how many users a sync would re-sync now; nothing is written, no lock is taken.</summary>
    private SyncOutcome WhatIf(CancellationToken stop)
    {
        long wouldSync;
        TrackingState tracking;
        using (var connection = target.Open(stop))
        {
            try
            {
                Db.ForBatchWork(connection, null);
                tracking = Preflight(connection, countPending: true);
            }
            catch (Exception e) when (e is not MatchmadeException)
            {
                throw DbErrors.During(e, "Reading the pending changes", target);
            }

            wouldSync = tracking.PendingUsers ?? 0;
        }

        if (options.Full)
        {
            wouldSync = new IntegrityChecker(target, log).DifferingUsers(stop).Count;
        }

        var finished = DateTimeOffset.UtcNow;
        return new SyncOutcome
        {
            RunId = runId, DryRun = true, Full = options.Full, Status = RunStatus.Completed, Server = target.Server, Database = target.Database,
            Schema = target.Schemas.App, PendingUsers = tracking.PendingUsers ?? 0, Lag = tracking.Lag, TrackingInstalled = tracking.Installed, StartedAt = startedAt, FinishedAt = finished,
            Message = string.Create(CultureInfo.InvariantCulture, $"Would re-sync {wouldSync:N0} users{(options.Full ? " (those whose stored rows differ from the old tables)" : " (changed since they were migrated)")}."),
        };
    }

    /// <summary>The new tables must exist; without the change table only -Full can work. The pending users are counted only for -WhatIf (a run's claim finds them).</summary>
    private TrackingState Preflight(NpgsqlConnection connection, bool countPending)
    {
        var present = SchemaInspector.TablesPresent(connection, target.Schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables]);
        var missing = PrismaSchema.MissingOldOrNew(present);
        if (missing.Length > 0)
        {
            throw new MatchmadeException(
                ErrorIds.TablesNotFound,
                FailureKind.ObjectNotFound,
                PrismaSchema.TablesMissing(target.Schemas.App, missing, "sync yet (run Invoke-ProfileMigration first)"),
                target: target.Schemas.App);
        }

        var tracking = ChangeTracking.Read(connection, null, target.Schemas, countPending);
        if (!tracking.TableExists && !options.Full)
        {
            throw new MatchmadeException(
                ErrorIds.TrackingNotInstalled,
                FailureKind.InvalidOperation,
                $"Change tracking is not installed in schema '{target.Schemas.App}' (migrated with -NoChangeTracking?): there is no record of what changed. Run Sync-ProfileMigration -Full (reconciles every user), or Invoke-ProfileMigration to install tracking.",
                target: target.Schemas.App);
        }

        if (tracking.OnStandby)
        {
            throw new MatchmadeException(ErrorIds.ReadOnlyTransaction, FailureKind.InvalidOperation, "Connected to a standby (in recovery): it has no change record and cannot be written. Run Sync-ProfileMigration against the primary.", target: target.Schemas.App);
        }

        if (tracking.Reset && !options.Full)
        {
            throw new MatchmadeException(
                ErrorIds.TrackingReset,
                FailureKind.InvalidOperation,
                TrackingState.ResetAdvice(target.Schemas.App) + ".",
                target: target.Schemas.App);
        }

        if (!tracking.Installed && tracking.TableExists && !tracking.Reset)
        {
            log.Warning($"Some of the change-tracking triggers on schema '{target.Schemas.App}' are missing or do not fire (dropped, or ALTER TABLE ... DISABLE TRIGGER?): writes since then are not recorded. Run Invoke-ProfileMigration to put them back (tracking is then reset), then Sync-ProfileMigration -Full once.");
        }

        return tracking;
    }

    /// <summary>One pass over the change records committed so far. Returns the users it claimed.</summary>
    private long Pass(NpgsqlConnection connection, RunHistory history, ReportWriter report, CancellationToken stop)
    {
        var (users, orphans, oldest) = Claim(connection);
        if (oldest is { } first)
        {
            log.Progress(new OperationProgress(Activity, string.Create(CultureInfo.InvariantCulture,
                $"Pass {passes + 1}: {users.Count:N0} users pending, the oldest change {(DateTimeOffset.UtcNow - first).TotalSeconds:N1} s old"), 0, null));
        }

        return users.Count + orphans.Length - Process(connection, history, report, users, orphans, stop);
    }

    /// <summary>
    /// -Full: claims the change records first (if any), then reconciles every user (a later snapshot, so it sees every
    /// claimed change), rebuilds exactly the users that differ, and releases the claimed records of the users found equal.
    /// </summary>
    private long FullPass(NpgsqlConnection connection, RunHistory history, ReportWriter report, bool trackingTable, CancellationToken stop)
    {
        var armedAt = trackingTable ? ChangeTracking.ArmForFull(connection, target.Schemas) : null; // before it reconciles: the record is whole from here
        var (claims, orphans, _) = trackingTable ? Claim(connection) : ([], [], null);
        var differing = new IntegrityChecker(target, log).DifferingUsers(stop);
        log.Verbose($"-Full: {differing.Count:N0} users differ from the old tables.");
        var records = claims.ToDictionary(c => c.UserId, c => c.Records, StringComparer.Ordinal);
        var users = differing.Select(id => new ClaimedUser(id, records.Remove(id, out var r) ? r : [])).ToList();
        var equal = records.Values.SelectMany(r => r).Concat(orphans).ToArray();
        var failed = Process(connection, history, report, users, equal, stop);
        if (armedAt is { } token && !stop.IsCancellationRequested && failed == 0 && !ChangeTracking.ConfirmWhole(connection, target.Schemas, token))
        {
            throw new MatchmadeException(ErrorIds.TrackingReset, FailureKind.InvalidOperation, $"The server restarted during Sync-ProfileMigration -Full (crash recovery emptied the change record of schema '{target.Schemas.App}' again). Run Sync-ProfileMigration -Full again.", target: target.Schemas.App);
        }

        return users.Count + equal.Length - failed;
    }

    private (List<ClaimedUser> Users, ChangeRecord[] Orphans, DateTimeOffset? Oldest) Claim(NpgsqlConnection connection) => Claim(connection, null, target.Schemas);

    /// <summary>The change records up to the highest sequence number now, grouped by user (ids ascending).</summary>
    internal static (List<ClaimedUser> Users, ChangeRecord[] Orphans, DateTimeOffset? Oldest) Claim(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        long max;
        using (var command = new NpgsqlCommand(SqlText.For("sync-max-seq.sql", schemas), connection, transaction))
        {
            max = (long)command.ExecuteScalar()!;
        }

        var users = new List<ClaimedUser>();
        ChangeRecord[] orphans = [];
        DateTimeOffset? oldest = null;
        using var claim = new NpgsqlCommand(SqlText.For("sync-claim.sql", schemas), connection, transaction);
        claim.Parameters.AddWithValue("app_schema", schemas.App);
        claim.Parameters.AddWithValue("max_seq", max);
        using var reader = claim.ExecuteReader();
        var records = new List<ChangeRecord>();
        string? user = null;
        while (reader.Read())
        {
            var id = reader.IsDBNull(0) ? null : reader.GetString(0);
            if (records.Count > 0 && !string.Equals(id, user, StringComparison.Ordinal))
            {
                AddClaimed(user, [.. records]);
                records.Clear();
            }

            user = id;
            records.Add(new ChangeRecord(reader.GetInt64(1), reader.GetString(3)));
            var at = reader.GetFieldValue<DateTimeOffset>(2);
            oldest = oldest is null || at < oldest ? at : oldest;
        }

        if (records.Count > 0)
        {
            AddClaimed(user, [.. records]);
        }

        void AddClaimed(string? id, ChangeRecord[] claimed)
        {
            if (id is null)
            {
                orphans = claimed;
            }
            else
            {
                users.Add(new ClaimedUser(id, claimed));
            }
        }

        return (users, orphans, oldest);
    }

    /// <summary>-Continuous with nothing pending: wait an interval (or until -Until), showing what is pending.</summary>
    private void Wait(CancellationToken stop)
    {
        var wait = options.Interval;
        if (options.Until is { } until && until - DateTimeOffset.UtcNow < wait)
        {
            wait = until - DateTimeOffset.UtcNow;
        }

        log.Progress(new OperationProgress(Activity, string.Create(CultureInfo.InvariantCulture,
            $"Following the app's writes: {counters.Synced:N0} users synced in {passes:N0} pass{(passes == 1 ? string.Empty : "es")}; nothing pending, next look in {wait.TotalSeconds:N0} s"), -1, null));
        if (wait > TimeSpan.Zero)
        {
            stop.WaitHandle.WaitOne(wait);
        }
    }

    private SyncOutcome Finish(NpgsqlConnection connection, ReportWriter report, RunStatus status, MatchmadeException? failure)
    {
        TrackingState? left = null;
        try
        {
            left = connection.State == System.Data.ConnectionState.Open ? ChangeTracking.Read(connection, null, target.Schemas) : null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection died with the failure being reported: the pending count is unknown.
        }

        var message = string.Create(CultureInfo.InvariantCulture, $"Sync{(options.Full ? " -Full" : string.Empty)}: {counters.Resynced:N0} users re-synced, {counters.Created:N0} created, {counters.Deleted:N0} deleted, {counters.Failed:N0} failed in {passes:N0} pass{(passes == 1 ? string.Empty : "es")}; {left?.PendingUsers?.ToString("N0", CultureInfo.InvariantCulture) ?? "unknown"} users pending.");
        if (failure is not null)
        {
            message += " " + failure.Message;
        }
        else if (status == RunStatus.Cancelled)
        {
            message += " Stopped on request after the current batch; run again to continue.";
        }

        var finishedAt = DateTimeOffset.UtcNow;
        var path = report.Complete(
            new ReportRunInfo
            {
                RunId = runId, Mode = RunMode.Sync.ToString(), Status = status.ToString(), ModuleVersion = DatabaseTarget.ModuleVersion, RulesFingerprint = FieldCatalog.RulesFingerprint,
                StartedAt = startedAt, FinishedAt = finishedAt, Server = target.Server, Database = target.Database, Schema = target.Schemas.App,
                UserName = target.UserName, Parameters = Parameters(), Message = message,
            },
            report.WithFindings(new ReportCounts
            {
                UsersTotal = counters.Claimed, UsersMigrated = counters.Resynced + counters.Created, UsersFailed = counters.Failed, ProfilesWritten = counters.Resynced + counters.Created, ContextIntentsWritten = counters.Intents,
                ContextsByType = ReportFigures.ContextsByType(counters.IntentsByType), Batches = counters.Timeline.Points(),
            }));
        log.Progress(new OperationProgress(Activity, status.ToString(), 100, null, Completed: true));
        return new SyncOutcome
        {
            RunId = runId, DryRun = false, Full = options.Full, Status = status, Server = target.Server, Database = target.Database, Schema = target.Schemas.App,
            UsersResynced = counters.Resynced, UsersCreated = counters.Created, UsersDeleted = counters.Deleted, UsersFailed = counters.Failed, ContextIntentsWritten = counters.Intents,
            Conflicts = report.Conflicts, UnmappedFields = report.UnmappedEntries, InvalidValues = report.InvalidValues, Errors = report.Errors,
            PendingUsers = left?.PendingUsers ?? -1, Lag = left?.Lag, TrackingInstalled = left?.Installed ?? false, Passes = passes,
            StartedAt = startedAt, FinishedAt = finishedAt, ReportPath = path, Message = message, Failure = failure,
        };
    }

    private Dictionary<string, string?> Parameters() => new(StringComparer.Ordinal)
    {
        ["batchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["throttleLimit"] = options.ThrottleLimit.ToString(CultureInfo.InvariantCulture),
        ["full"] = options.Full ? "true" : "false",
        ["continuous"] = options.Continuous ? "true" : "false",
        ["until"] = options.Until?.ToString("o", CultureInfo.InvariantCulture),
        ["intervalSeconds"] = ((long)options.Interval.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        ["lockTimeoutMs"] = ((long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ["maxReplicationLagSeconds"] = options.MaxReplicationLagSeconds.ToString(CultureInfo.InvariantCulture),
        ["redactValues"] = options.RedactValues ? "true" : "false",
    };
}
