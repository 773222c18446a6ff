using System.Collections.Concurrent;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Replication;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Core.Tracking;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// Runs the migration: schema step, then batches of users, each batch one transaction in which every user gets its
/// ProfileNew and all its ContextIntents or nothing. Killed at any point, it leaves only whole users; run again, it
/// picks up the users that have no ProfileNew yet. The runbook: lock, preflight, schema step, the batch pipeline
/// (one per worker, live-write sinks; or one over a read-only snapshot, the dry-run sink), finish. A runner runs once.
/// </summary>
public sealed partial class MigrationRunner
{
    private readonly DatabaseTarget target;
    private readonly MigrationOptions options;
    // Every log line goes through the relay: worker threads' lines wait until the run's own thread writes them.
    private readonly LogRelay log;
    private readonly Guid runId = Guid.NewGuid();
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private readonly RunCounters counters = new();
    private readonly RunProgress progress;
    private int started;

    // Set when a live run's report could not be written: thrown once the run history is complete.
    private MatchmadeException? reportFailure;

    // Runs this one found killed: their committed users are skipped here, their findings are in the findings journal.
    private IReadOnlyList<Guid> interruptedEarlier = [];

    public MigrationRunner(DatabaseTarget target, MigrationOptions options, IOperationLog log)
    {
        MigrationOptions.CheckBatchRun(options.BatchSize, options.ThrottleLimit);

        if (options.MaxUsers is < 1)
        {
            throw new MatchmadeException(ErrorIds.InvalidMaxUsers, FailureKind.InvalidArgument, "MaxUsers must be at least 1.");
        }

        this.target = target;
        this.options = options;
        this.log = new LogRelay(log);
        progress = new RunProgress(this.log, options.DryRun);
    }

    private RunMode Mode => options.DryRun ? RunMode.DryRun : RunMode.Live;

    /// <summary>
    /// Runs to the end, until <paramref name="stop"/> is signalled (then it finishes the current batch and returns
    /// Cancelled), or until a failure (returns Failed with <see cref="MigrationOutcome.Failure"/>). Argument, lock and
    /// report-location problems found before anything is written are thrown.
    /// </summary>
    public MigrationOutcome Run(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("A MigrationRunner runs once; create another for the next run.");
        }

        log.Own();
        log.Verbose(RuntimeMemory.Describe());
        // The report location is proven writable before anything touches the database.
        using var report = ReportWriter.Create(options.ReportPath, startedAt, options.RedactValues);
        return options.DryRun ? RunDry(report, stop) : RunLive(report, stop);
    }

    private MigrationOutcome RunLive(ReportWriter report, CancellationToken stop)
    {
        using var runLock = RunLock.Acquire(target, "Invoke-ProfileMigration", stop);
        using var lagGate = ReplicationLagGate.Create(target, options.MaxReplicationLagSeconds, log, "Migrating profiles", stop);
        var history = new RunHistory(runLock.Connection, target, log) { RedactValues = options.RedactValues };
        using var connection = target.Open(stop);
        var (scope, schemaStep, preparation) = Preflight(connection, history, stop);
        if (preparation is not null)
        {
            report.AddError(new RunError(null, preparation.ErrorId, preparation.Message));
            return Finish(report, scope, RunStatus.Failed, null, preparation);
        }

        var failures = new ConcurrentQueue<MatchmadeException>();
        var ranges = PlanRanges(connection, scope, failures);
        connection.Close(); // back to the pool: the workers open their own

        // Workers write their batches on their own connections; this thread alone writes the report and the log
        // (PowerShell takes Write* calls only on the pipeline thread), from what the workers hand over.
        using var halt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var done = new BlockingCollection<BatchResult>();
        var write = new LiveWrite(new BatchWriter(target.Schemas), history, runId, options, counters, log);
        var reader = new BatchReader(target.Schemas, targetExists: true, options.UserIds, options.Force);
        Workers.Start(ranges, (range, token) => Work(range, reader, write, lagGate, scope, done, token), failures, halt, target, done, "the migration");
        Collect(report, scope, done, failures, halt);

        var failure = failures.TryPeek(out var first) ? first : null;
        if (failure is null)
        {
            NewTableStatistics.RefreshAfter(target, counters.Migrated, options.LockTimeout, log, stop);
        }

        if (reportFailure is null)
        {
            foreach (var each in failures)
            {
                report.AddError(new RunError(null, each.ErrorId, each.Message));
            }
        }

        var outcome = Finish(report, scope, StatusOf(failure, stop), schemaStep, failure);
        history.Finish(runId, outcome);
        if (reportFailure is not null)
        {
            throw reportFailure; // after the run history has the run's end: the database work is done
        }

        return outcome;
    }

    /// <summary>Grants, the run history, the schema step and the scope; what the server refused is a failed run.</summary>
    private (Scope Scope, SchemaStepOutcome? Step, MatchmadeException? Failure) Preflight(NpgsqlConnection connection, RunHistory history, CancellationToken stop)
    {
        try
        {
            PrivilegeCheck.ForLiveRun(connection, target, options.Force, options.ChangeTracking);
            interruptedEarlier = history.Prepare();
            Db.SetLockTimeout(connection, null, options.LockTimeout);
            var schemaStep = Retry.Run("The schema step", () => SchemaStep.Ensure(connection, target, dryRun: false, options.LockTimeout, log), options.MaxRetries, log, stop);
            if (options.ChangeTracking)
            {
                // Before the first user is read, so no write the app makes during the backfill can slip through.
                var created = Retry.Run("Installing change tracking", () => ChangeTracking.Install(connection, target.Schemas), options.MaxRetries, log, stop);
                log.Verbose(created > 0 ? $"Change tracking installed ({created} triggers on the old tables)." : "Change tracking already installed.");
            }

            var scope = Scope.Count(connection, null, targetExists: true, target, options, log);
            history.Start(runId, Mode, options.RecordedParameters(), scope.Total, scope.Skipped);
            return (scope, schemaStep, null);
        }
        catch (MatchmadeException)
        {
            throw; // what our own checks refused (missing tables, Prisma history, table shape): nothing was done
        }
        catch (Exception e)
        {
            // The server got in the way (a lock the app holds, a lost connection): a failed run, with its report.
            return (new Scope(0, 0, 0), null, DbErrors.During(e, "Preparing the migration", target));
        }
    }

    private List<UserRange> PlanRanges(NpgsqlConnection connection, Scope scope, ConcurrentQueue<MatchmadeException> failures)
    {
        try
        {
            return Workers.Plan(connection, target, options, scope.Cap, log);
        }
        catch (Exception e)
        {
            failures.Enqueue(DbErrors.During(e, "Dividing the users among the workers", target));
            return [];
        }
    }

    /// <summary>One worker: a pipeline over its range, reading and merging on one connection, writing on another.</summary>
    private void Work(UserRange range, BatchReader reader, LiveWrite write, ReplicationLagGate lagGate, Scope scope, BlockingCollection<BatchResult> done, CancellationToken halt)
    {
        using var connection = Workers.Open(target, options.LockTimeout, halt);
        using var readConnection = Workers.Open(target, options.LockTimeout, halt);
        var source = new MergingSource(reader, readConnection, null, range.UpTo, new BatchBudget(options.BatchBytes));
        var sink = new LiveWriteSink(write, connection, batch => done.Add(batch, CancellationToken.None));
        try
        {
            new BatchPipeline<MergedBatch>(source, sink) { After = range.After, BatchSize = options.BatchSize, Remaining = () => Remaining(scope), BeforeBatch = lagGate.WaitBeforeBatch }.Run(halt);
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, $"{range.Name}, batch {counters.Batches} of the migration", target);
        }
    }

    /// <summary>Reports the workers' batches as they come (this thread only), until every worker has ended.</summary>
    private void Collect(ReportWriter report, Scope scope, BlockingCollection<BatchResult> done, ConcurrentQueue<MatchmadeException> failures, CancellationTokenSource halt) =>
        Workers.Collect(done, batch =>
        {
            if (reportFailure is null)
            {
                try
                {
                    report.AddBatch(batch.Findings, batch.Errors, batch.Encoded);
                }
                catch (Exception e)
                {
                    // The disk filled up (ReportWriteFailed), or anything else the report threw: a run whose findings
                    // cannot be kept stops, after the batches in flight; this thread collects until the workers end.
                    reportFailure = DbErrors.During(e, "Writing the migration's report", target);
                    failures.Enqueue(reportFailure);
                    halt.Cancel();
                }
            }

            batch.Encoded?.Release();
            progress.Batch(scope.Cap, batch);
        }, log);

    private static RunStatus StatusOf(MatchmadeException? failure, CancellationToken stop) =>
        failure is not null ? RunStatus.Failed : stop.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Completed;

    /// <summary>
    /// Users still to take. Only a canary's -MaxUsers is a hard cap: otherwise the run walks to the last user id, so users
    /// the app creates during the run (the transition) do not make it stop short of the users counted at the start.
    /// </summary>
    private long Remaining(Scope scope) => options.MaxUsers is null && scope.Cap > 0
        ? long.MaxValue
        : scope.Cap - counters.Migrated - counters.Failed;

    private MigrationOutcome Finish(ReportWriter report, Scope scope, RunStatus status, SchemaStepOutcome? schemaStep, MatchmadeException? failure)
    {
        progress.Completed(status);
        var summary = new RunSummary
        {
            RunId = runId,
            Mode = Mode,
            Status = status,
            Target = target,
            SchemaStep = schemaStep,
            Parameters = options.RecordedParameters(),
            StartedAt = startedAt,
            FinishedAt = DateTimeOffset.UtcNow,
            Message = Sentences(status switch
            {
                RunStatus.Cancelled => $"Stopped on request after batch {counters.Batches}; completed batches are kept. Run again to continue.",
                RunStatus.Failed => failure?.Message,
                _ => null,
            }, EarlierFindings()),
            Counts = report.WithFindings(new ReportCounts
            {
                UsersTotal = scope.Total,
                UsersSkipped = scope.Skipped,
                UsersMigrated = counters.Migrated,
                UsersFailed = counters.Failed,
                ProfilesWritten = counters.Migrated,
                ContextIntentsWritten = counters.Intents,
                ContextsByType = ReportFigures.ContextsByType(counters.IntentsByType),
                Batches = counters.Timeline.Points(),
            }),
        };
        var path = CompleteReport(report, summary);
        var message = summary.Message;
        if (reportFailure is not null && !ReferenceEquals(failure, reportFailure))
        {
            message = Sentences(message, $"The report could not be written: {reportFailure.Message}");
        }

        return summary.Outcome(path, message, failure);
    }

    /// <summary>Where the findings of the users this run skipped because a killed run had committed them are (not in this report).</summary>
    private string? EarlierFindings() => interruptedEarlier.Count == 0
        ? null
        : $"Users committed by the interrupted run(s) {string.Join(", ", interruptedEarlier)} are skipped here; their findings: Get-MigrationReport -RunId {interruptedEarlier[0]}.";

    private static string? Sentences(string? first, string? second) => first is null ? second : second is null ? first : $"{first} {second}";

    /// <summary>Writes the report's end; findings lost on the way (a report failure already) leave no report rather than an incomplete one.</summary>
    private string? CompleteReport(ReportWriter report, RunSummary summary)
    {
        if (reportFailure is not null)
        {
            return null;
        }

        try
        {
            var path = report.Complete(summary.ReportRunInfo(), summary.ReportCounts());
            log.Verbose($"Report written to {path}.");
            return path;
        }
        catch (MatchmadeException e) when (e.ErrorId == ErrorIds.ReportWriteFailed && !options.DryRun)
        {
            // A live run's rows are committed: record its end in the run history first, then say the report failed.
            reportFailure = e;
            return null;
        }
    }
}
