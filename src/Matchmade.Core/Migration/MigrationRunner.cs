using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Tracking;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// Runs the migration: schema step, then batches of users, each batch one transaction in which every user gets its
/// ProfileNew and all its ContextIntents or nothing. Killed at any point, it leaves only whole users; run again, it
/// picks up the users that have no ProfileNew yet.
/// </summary>
public sealed class MigrationRunner
{
    private readonly DatabaseTarget target;
    private readonly MigrationOptions options;
    // Every log line goes through the relay: worker threads' lines wait until the run's own thread writes them.
    private readonly LogRelay log;
    private readonly Guid runId = Guid.NewGuid();
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long migrated, failed, intents, batches;

    // Users of the batches reported so far (this thread only): progress counts what the report holds, in order, even
    // when workers have written further.
    private long reported;

    // Set when a live run's report could not be written at the end: thrown once the run history is complete.
    private MatchmadeException? reportFailure;

    public MigrationRunner(DatabaseTarget target, MigrationOptions options, IOperationLog log)
    {
        if (options.BatchSize is < 1 or > MigrationOptions.MaxBatchSize)
        {
            throw new MatchmadeException("InvalidBatchSize", FailureKind.InvalidArgument, $"BatchSize must be between 1 and {MigrationOptions.MaxBatchSize}.");
        }

        if (options.ThrottleLimit is < 1 or > MigrationOptions.MaxThrottleLimit)
        {
            throw new MatchmadeException("InvalidThrottleLimit", FailureKind.InvalidArgument, $"ThrottleLimit must be between 1 and {MigrationOptions.MaxThrottleLimit}.");
        }

        if (options.MaxUsers is < 1)
        {
            throw new MatchmadeException("InvalidMaxUsers", FailureKind.InvalidArgument, "MaxUsers must be at least 1.");
        }

        this.target = target;
        this.options = options;
        this.log = new LogRelay(log);
    }

    private RunMode Mode => options.DryRun ? RunMode.DryRun : RunMode.Live;

    /// <summary>
    /// Runs to the end, until <paramref name="stop"/> is signalled (then it finishes the current batch and returns
    /// Cancelled), or until a failure (returns Failed with <see cref="MigrationOutcome.Failure"/>). Argument, lock and
    /// report-location problems found before anything is written are thrown.
    /// </summary>
    public MigrationOutcome Run(CancellationToken stop)
    {
        log.Own();
        // The report location is proven writable before anything touches the database.
        using var report = ReportWriter.Create(options.ReportPath, startedAt, options.RedactValues);
        return options.DryRun ? RunDry(report, stop) : RunLive(report, stop);
    }

    private MigrationOutcome RunLive(ReportWriter report, CancellationToken stop)
    {
        using var runLock = RunLock.Acquire(target, "Invoke-ProfileMigration", stop);
        var history = new RunHistory(runLock.Connection, target);
        Scope scope;
        SchemaStepOutcome schemaStep;
        using var connection = target.Open(stop);
        try
        {
            PrivilegeCheck.ForLiveRun(connection, target, options.Force, options.ChangeTracking);
            history.Prepare();
            SetLockTimeout(connection);
            schemaStep = WithRetries("The schema step", () => SchemaStep.Ensure(connection, target, dryRun: false, options.LockTimeout, log), stop);
            if (options.ChangeTracking)
            {
                // Before the first user is read, so no write the app makes during the backfill can slip through.
                var created = WithRetries("Installing change tracking", () => ChangeTracking.Install(connection, target.Schemas), stop);
                log.Verbose(created > 0 ? $"Change tracking installed ({created} triggers on the old tables)." : "Change tracking already installed.");
            }

            scope = CountScope(connection, null, targetExists: true);
            history.Start(runId, Mode, Parameters(), scope.Total, scope.Skipped);
        }
        catch (MatchmadeException)
        {
            throw; // what our own checks refused (missing tables, Prisma history, table shape): nothing was done
        }
        catch (Exception e)
        {
            // The server got in the way (a lock the app holds, a lost connection): a failed run, with its report.
            var preparation = DbErrors.During(e, "Preparing the migration", target);
            report.AddError(new RunError(null, preparation.ErrorId, preparation.Message));
            return Finish(report, new Scope(0, 0, 0), RunStatus.Failed, null, preparation);
        }

        var reader = new BatchReader(target.Schemas, targetExists: true, options.UserIds, options.Force);
        var writer = new BatchWriter(target.Schemas);
        var failures = new ConcurrentQueue<MatchmadeException>();
        List<UserRange> ranges;
        try
        {
            ranges = PlanRanges(connection, scope);
        }
        catch (Exception e)
        {
            ranges = [];
            failures.Enqueue(DbErrors.During(e, "Dividing the users among the workers", target));
        }

        connection.Close(); // back to the pool: the workers open their own

        // Workers write their batches on their own connections; this thread alone writes the report and the log
        // (PowerShell takes Write* calls only on the pipeline thread), from what the workers hand over.
        using var halt = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var done = new BlockingCollection<BatchResult>();
        var workers = new Task[ranges.Count];
        for (var w = 0; w < ranges.Count; w++)
        {
            var range = ranges[w];
            workers[w] = Task.Factory.StartNew(
                () =>
                {
                    try
                    {
                        Work(range, reader, writer, history, scope, done, halt.Token);
                    }
                    catch (OperationCanceledException) when (halt.IsCancellationRequested)
                    {
                        // Stopped while connecting: nothing of this worker's was written.
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue(e as MatchmadeException ?? DbErrors.During(e, $"{range.Name} of the migration", target));
                        halt.Cancel(); // the other workers finish the batch they are writing and stop
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        if (ranges.Count == 0)
        {
            done.CompleteAdding();
        }
        else
        {
            Task.WhenAll(workers).ContinueWith(_ => done.CompleteAdding(), TaskScheduler.Default);
        }

        while (!done.IsCompleted)
        {
            if (done.TryTake(out var batch, 250))
            {
                if (reportFailure is null)
                {
                    try
                    {
                        AddToReport(report, batch.Findings, batch.Errors);
                    }
                    catch (MatchmadeException e) when (e.ErrorId == "ReportWriteFailed")
                    {
                        // The disk filled up: a run whose findings cannot be kept stops, after the batches in flight.
                        reportFailure = e;
                        failures.Enqueue(e);
                        halt.Cancel();
                    }
                }

                ReportProgress(scope, batch);
            }

            log.Drain();
        }

        log.Drain();
        var failure = failures.TryPeek(out var first) ? first : null;
        if (reportFailure is null)
        {
            foreach (var each in failures)
            {
                report.AddError(new RunError(null, each.ErrorId, each.Message));
            }
        }

        var status = failure is not null ? RunStatus.Failed : stop.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Completed;
        var outcome = Finish(report, scope, status, schemaStep, failure);
        history.Finish(runId, outcome);
        if (reportFailure is not null)
        {
            throw reportFailure; // after the run history has the run's end: the database work is done
        }

        return outcome;
    }

    /// <summary>A worker's share of the users: ids after <see cref="After"/> up to <see cref="UpTo"/> (null = no bound).</summary>
    private sealed record UserRange(string Name, string After, string? UpTo);

    /// <summary>
    /// One range per worker, with about as many users each. A canary (-UserId, -MaxUsers) runs in one worker: it is
    /// small, and one worker keeps -MaxUsers exact.
    /// </summary>
    private List<UserRange> PlanRanges(NpgsqlConnection connection, Scope scope)
    {
        var workers = options.ThrottleLimit;
        if (workers > 1 && (options.UserIds is not null || options.MaxUsers is not null))
        {
            log.Verbose("A canary (-UserId or -MaxUsers) runs in one worker; -ThrottleLimit is ignored.");
            workers = 1;
        }

        if (workers == 1 || scope.Cap == 0)
        {
            return [new UserRange("Worker 1", string.Empty, null)];
        }

        var bounds = new List<string>(workers);
        using (var command = new NpgsqlCommand(SqlText.For("user-ranges.sql", target.Schemas), connection))
        {
            command.Parameters.AddWithValue("workers", workers);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                bounds.Add(reader.GetString(0));
            }
        }

        var ranges = new List<UserRange>(bounds.Count);
        for (var i = 0; i < bounds.Count; i++)
        {
            ranges.Add(new UserRange($"Worker {i + 1}", i == 0 ? string.Empty : bounds[i - 1], i == bounds.Count - 1 ? null : bounds[i]));
        }

        log.Verbose($"{ranges.Count} workers over disjoint ranges of user ids, each with its own connections.");
        return ranges;
    }

    /// <summary>
    /// Migrates one range, batch after batch, and hands each written batch to <paramref name="done"/>. Batch n+1 is
    /// read and merged on a second connection while batch n is written: the client's merge and the server's COPY
    /// overlap instead of taking turns. Users of two batches are disjoint (keyset).
    /// </summary>
    private void Work(UserRange range, BatchReader reader, BatchWriter writer, RunHistory history, Scope scope, BlockingCollection<BatchResult> done, CancellationToken halt)
    {
        using var connection = target.Open(halt);
        using var readConnection = target.Open(halt);
        SetLockTimeout(connection);
        SetLockTimeout(readConnection);
        // Only the merged rows are kept for the write: the blobs are dropped as soon as they are merged, so a batch
        // waiting to be written holds half the memory.
        (ReadSummary, PreparedBatch) Fetch(string from, int limit)
        {
            var read = reader.Read(readConnection, null, from, range.UpTo, limit);
            return (new ReadSummary(read.IdsRead, read.LastUserId, read.Users.Count), Prepare(read.Users));
        }

        Task<(ReadSummary Read, PreparedBatch Prepared)>? next = null;
        try
        {
            if (Remaining(scope) > 0)
            {
                var first = (int)Math.Min(options.BatchSize, Remaining(scope));
                next = Task.Run(() => Fetch(range.After, first));
            }

            while (next is not null && !halt.IsCancellationRequested)
            {
                var (read, prepared) = next.GetAwaiter().GetResult();
                next = null;
                if (read.IdsRead == 0)
                {
                    break;
                }

                var left = Remaining(scope) - read.Users;
                if (left > 0)
                {
                    var from = read.LastUserId;
                    var limit = (int)Math.Min(options.BatchSize, left);
                    next = Task.Run(() => Fetch(from, limit));
                }

                var number = read.Users > 0 ? Interlocked.Increment(ref batches) : 0;
                var batch = WithRetries($"Batch {number}", () => WriteBatch(connection, writer, history, read, prepared, number), CancellationToken.None);
                done.Add(batch, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, $"{range.Name}, batch {Volatile.Read(ref batches)} of the migration", target);
        }
        finally
        {
            // A prefetched batch not written (Ctrl+C, a failure) is dropped; wait for it before closing its connection.
            try
            {
                next?.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
            }
        }
    }

    private MigrationOutcome RunDry(ReportWriter report, CancellationToken stop)
    {
        using var connection = target.Open(stop);
        Scope scope;
        SchemaStepOutcome schemaStep;
        NpgsqlTransaction transaction;
        try
        {
            // One snapshot for the whole dry run, and the server itself refuses any write.
            transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            schemaStep = SchemaStep.Ensure(connection, target, dryRun: true, options.LockTimeout, log, transaction);
            scope = CountScope(connection, transaction, schemaStep == SchemaStepOutcome.AlreadyPresent);
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Preparing the dry run", target);
        }

        using (transaction)
        {
            var reader = new BatchReader(target.Schemas, schemaStep == SchemaStepOutcome.AlreadyPresent, options.UserIds, options.Force);
            MatchmadeException? failure = null;
            var after = string.Empty;
            // Batch n is merged (on every core) while batch n+1 is read on the one snapshot's connection.
            Task<PreparedBatch>? merging = null;
            BatchReader.Batch? merged = null;
            void Settle()
            {
                if (merging is null)
                {
                    return;
                }

                var batch = merging.GetAwaiter().GetResult();
                var read = merged!;
                merging = null;
                migrated += batch.Prepared.Count;
                intents += batch.Prepared.Sum(u => u.Intents.Count);
                failed += batch.Errors.Count;
                batches++;
                AddToReport(report, batch.Findings, batch.Errors);

                ReportProgress(scope, new BatchResult(batches, read.IdsRead, read.Users.Count, read.LastUserId, batch.Prepared.Count, batch.Errors.Count, batch.Prepared.Sum(u => u.Intents.Count), [], [], TimeSpan.Zero));
            }

            try
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var inFlight = merged is not null && merging is not null ? merged.Users.Count : 0;
                        var left = Remaining(scope) - inFlight;
                        if (left <= 0)
                        {
                            break;
                        }

                        var read = reader.Read(connection, transaction, after, null, (int)Math.Min(options.BatchSize, left));
                        Settle();
                        if (read.IdsRead == 0)
                        {
                            break;
                        }

                        after = read.LastUserId;
                        merged = read;
                        merging = Task.Run(() => Prepare(read.Users, parallel: true));
                    }
                }
                finally
                {
                    Settle();
                }
            }
            catch (Exception e)
            {
                failure = DbErrors.During(e, "The dry run", target);
                report.AddError(new RunError(null, failure.ErrorId, failure.Message));
            }

            transaction.Rollback();
            var status = failure is not null ? RunStatus.Failed : stop.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Completed;
            return Finish(report, scope, status, schemaStep, failure);
        }
    }

    internal static void AddToReport(ReportWriter report, IReadOnlyList<Finding> findings, IReadOnlyList<RunError> errors)
    {
        foreach (var finding in findings)
        {
            report.Add(finding);
        }

        foreach (var error in errors)
        {
            report.AddError(error);
        }
    }

    private sealed record Scope(long Total, long Skipped, long Cap);

    /// <summary>What a batch read was, without its rows: ids walked past, the last id, users to migrate.</summary>
    private sealed record ReadSummary(int IdsRead, string LastUserId, int Users);

    internal sealed record PreparedBatch(List<PreparedUser> Prepared, List<Finding> Findings, List<RunError> Errors);

    private sealed record BatchResult(long Number, int IdsRead, int Read, string LastUserId, int Migrated, int Failed, int Intents, IReadOnlyList<Finding> Findings, IReadOnlyList<RunError> Errors, TimeSpan Elapsed);

    /// <summary>
    /// Users still to take. Only a canary's -MaxUsers is a hard cap: otherwise the run walks to the last user id, so users
    /// the app creates during the run (the transition) do not make it stop short of the users counted at the start.
    /// </summary>
    private long Remaining(Scope scope) => options.MaxUsers is null && scope.Cap > 0
        ? long.MaxValue
        : scope.Cap - Interlocked.Read(ref migrated) - Interlocked.Read(ref failed);

    private Scope CountScope(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool targetExists)
    {
        using var command = new NpgsqlCommand(SqlText.For(targetExists ? "scope-counts.sql" : "scope-counts-no-target.sql", target.Schemas), connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)options.UserIds?.ToArray() ?? DBNull.Value });
        using var reader = command.ExecuteReader();
        reader.Read();
        var total = reader.GetInt64(0);
        var alreadyMigrated = reader.GetInt64(1);
        var skipped = options.Force ? 0 : alreadyMigrated;
        var cap = total - skipped;
        if (options.MaxUsers is { } max)
        {
            cap = Math.Min(cap, max);
        }

        if (options.UserIds is { Count: > 0 } ids && total < ids.Distinct(StringComparer.Ordinal).Count())
        {
            log.Warning($"{ids.Distinct(StringComparer.Ordinal).Count() - total} of the {ids.Count} given user ids do not exist in {target.Schemas.App}.\"User\".");
        }

        log.Verbose($"{total:N0} users in scope, {alreadyMigrated:N0} already migrated{(options.Force ? " (rebuilt: -Force)" : " (skipped)")}, {cap:N0} to {(options.DryRun ? "check" : "migrate")} in batches of {options.BatchSize:N0}.");
        return new Scope(total, skipped, cap);
    }

    private BatchResult WriteBatch(NpgsqlConnection connection, BatchWriter writer, RunHistory history, ReadSummary read, PreparedBatch batch, long number)
    {
        var watch = Stopwatch.StartNew();
        if (read.Users == 0)
        {
            return new BatchResult(0, read.IdsRead, 0, read.LastUserId, 0, 0, 0, [], [], watch.Elapsed);
        }

        using var transaction = connection.BeginTransaction();
        var now = Now();
        var errors = new List<RunError>(batch.Errors);
        var written = batch.Prepared;
        try
        {
            Execute(connection, transaction, "SAVEPOINT batch");
            Write(connection, transaction, writer, written, now);
        }
        catch (PostgresException e) when (IsDataError(e))
        {
            // One user's data broke the batch: redo it user by user, keep the good ones, report the bad ones.
            Execute(connection, transaction, "ROLLBACK TO SAVEPOINT batch");
            log.Verbose($"Batch {number} failed ({Secrets.Scrub(e.MessageText)}, SQLSTATE {e.SqlState}); isolating the user(s) responsible.");
            written = [];
            foreach (var user in batch.Prepared)
            {
                Execute(connection, transaction, "SAVEPOINT one_user");
                try
                {
                    Write(connection, transaction, writer, [user], now);
                    Execute(connection, transaction, "RELEASE SAVEPOINT one_user");
                    written.Add(user);
                }
                catch (PostgresException userError) when (IsDataError(userError))
                {
                    Execute(connection, transaction, "ROLLBACK TO SAVEPOINT one_user");
                    errors.Add(new RunError(user.UserId, "UserWriteFailed", $"{Secrets.Scrub(userError.MessageText)} (SQLSTATE {userError.SqlState}){(userError.SqlState == "23505" ? "; the user already has new rows the module did not expect (written by the app?): rebuild them with -Force" : string.Empty)}"));
                }
            }
        }

        var findings = batch.Findings;
        if (written.Count != batch.Prepared.Count)
        {
            var kept = written.Select(w => w.UserId).ToHashSet(StringComparer.Ordinal);
            findings = findings.FindAll(f => kept.Contains(f.UserId));
        }

        var intentCount = written.Sum(u => u.Intents.Count);
        history.Batch(transaction, runId, written.Count, errors.Count, intentCount, findings);
        transaction.Commit();

        Interlocked.Add(ref migrated, written.Count);
        Interlocked.Add(ref failed, errors.Count);
        Interlocked.Add(ref intents, intentCount);
        return new BatchResult(number, read.IdsRead, read.Users, read.LastUserId, written.Count, errors.Count, intentCount, findings, errors, watch.Elapsed);
    }

    private void Write(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchWriter writer, List<PreparedUser> users, DateTime now)
    {
        if (users.Count == 0)
        {
            return;
        }

        if (options.Force)
        {
            writer.Upsert(connection, transaction, users, runId, now, CancellationToken.None);
        }
        else
        {
            writer.Insert(connection, users, runId, now, CancellationToken.None);
        }
    }

    /// <summary>
    /// Merges every user of the batch; a user the merge cannot handle becomes an error, the rest go on. With
    /// <paramref name="parallel"/>, users are merged on every core; results stay in the batch's (user id) order.
    /// </summary>
    internal static PreparedBatch Prepare(List<BatchUser> users, bool parallel = false)
    {
        var merged = new (PreparedUser? User, MergeResult? Result, RunError? Error)[users.Count];
        void MergeOne(int i)
        {
            var user = users[i];
            try
            {
                var result = ProfileMerger.Merge(user.Source);
                var userIntents = new (string, MergedIntent)[result.Intents.Count];
                for (var k = 0; k < userIntents.Length; k++)
                {
                    userIntents[k] = (Cuid.Next(), result.Intents[k]);
                }

                merged[i] = (new PreparedUser(user.Source.UserId, Cuid.Next(), result.Profile, userIntents), result, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                merged[i] = (null, null, new RunError(user.Source.UserId, "UserMergeFailed", Secrets.Scrub(e.Message)));
            }
        }

        if (parallel && users.Count >= 64 && Environment.ProcessorCount > 1)
        {
            Parallel.For(0, users.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, MergeOne);
        }
        else
        {
            for (var i = 0; i < users.Count; i++)
            {
                MergeOne(i);
            }
        }

        var prepared = new List<PreparedUser>(users.Count);
        var findings = new List<Finding>();
        var errors = new List<RunError>();
        foreach (var (user, result, error) in merged)
        {
            if (error is not null)
            {
                errors.Add(error);
            }
            else
            {
                prepared.Add(user!);
                findings.AddRange(result!.Findings);
            }
        }

        return new PreparedBatch(prepared, findings, errors);
    }

    private T WithRetries<T>(string activity, Func<T> work, CancellationToken stop) => Retries.Run(activity, work, options.MaxRetries, log, stop);

    internal static bool IsDataError(PostgresException e) =>
        e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal) || e.SqlState.StartsWith("54", StringComparison.Ordinal);

    private void ReportProgress(Scope scope, BatchResult batch)
    {
        reported += batch.Migrated + batch.Failed;
        var done = reported;
        var elapsed = clock.Elapsed;
        var rate = elapsed.TotalSeconds > 0 ? done / elapsed.TotalSeconds : 0;
        var percent = scope.Cap > 0 ? (int)(100 * done / scope.Cap) : 100;
        TimeSpan? eta = rate > 0 ? TimeSpan.FromSeconds((scope.Cap - done) / rate) : null;
        var verb = options.DryRun ? "Checked" : "Migrated";
        log.Progress(new OperationProgress(
            options.DryRun ? "Dry run of the profile migration" : "Migrating profiles",
            string.Create(CultureInfo.InvariantCulture, $"{verb} {done:N0} of {scope.Cap:N0} users ({rate:N0} users/s)"),
            percent,
            eta));
        if (batch.Read == 0)
        {
            return; // a stretch of users migrated earlier: no batch to describe
        }

        log.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Batch {batch.Number}: {batch.Read:N0} users, {batch.Migrated:N0} {(options.DryRun ? "would be migrated" : "migrated")}, {batch.Failed:N0} failed, {batch.Intents:N0} ContextIntents{(options.DryRun ? string.Empty : $", {batch.Elapsed.TotalMilliseconds:N0} ms")}; {done:N0}/{scope.Cap:N0} done, {rate:N0} users/s."));
    }

    private MigrationOutcome Finish(ReportWriter report, Scope scope, RunStatus status, SchemaStepOutcome? schemaStep, MatchmadeException? failure)
    {
        var finishedAt = DateTimeOffset.UtcNow;
        var message = status switch
        {
            RunStatus.Cancelled => $"Stopped on request after batch {batches}; completed batches are kept. Run again to continue.",
            RunStatus.Failed => failure?.Message,
            _ => null,
        };
        log.Progress(new OperationProgress(options.DryRun ? "Dry run of the profile migration" : "Migrating profiles", status.ToString(), 100, null, Completed: true));
        var counts = new ReportCounts
        {
            UsersTotal = scope.Total,
            UsersMigrated = migrated,
            UsersSkipped = scope.Skipped,
            UsersFailed = failed,
            ProfilesWritten = migrated,
            ContextIntentsWritten = intents,
            Conflicts = report.Conflicts,
            UnmappedFields = report.UnmappedEntries,
            UnmappedKeys = report.UnmappedKeys,
            InvalidValues = report.InvalidValues,
            Errors = report.Errors,
        };
        // Findings lost on the way (reportFailure already set): no report rather than an incomplete one.
        string? path = null;
        if (reportFailure is null)
        {
            try
            {
                path = report.Complete(
                    new ReportRunInfo
                    {
                        RunId = runId,
                        Mode = Mode.ToString(),
                        Status = status.ToString(),
                        ModuleVersion = DatabaseTarget.ModuleVersion,
                        RulesFingerprint = FieldCatalog.RulesFingerprint,
                        StartedAt = startedAt,
                        FinishedAt = finishedAt,
                        Server = $"{target.Host}:{target.Port}",
                        Database = target.Database,
                        Schema = target.Schemas.App,
                        UserName = target.UserName,
                        Parameters = Parameters(),
                        Message = message,
                    },
                    counts);
                log.Verbose($"Report written to {path}.");
            }
            catch (MatchmadeException e) when (e.ErrorId == "ReportWriteFailed" && !options.DryRun)
            {
                // A live run's rows are committed: record its end in the run history first, then say the report failed.
                reportFailure = e;
            }
        }

        if (reportFailure is not null && !ReferenceEquals(failure, reportFailure))
        {
            message = $"{message}{(message is null ? string.Empty : " ")}The report could not be written: {reportFailure.Message}";
        }

        return new MigrationOutcome
        {
            RunId = runId,
            Mode = Mode,
            Status = status,
            Server = $"{target.Host}:{target.Port}",
            Database = target.Database,
            Schema = target.Schemas.App,
            SchemaStep = schemaStep,
            UsersTotal = scope.Total,
            UsersMigrated = migrated,
            UsersSkipped = scope.Skipped,
            UsersFailed = failed,
            UsersRemaining = Math.Max(0, scope.Total - scope.Skipped - migrated),
            ContextIntentsWritten = intents,
            Conflicts = counts.Conflicts,
            UnmappedFields = counts.UnmappedFields,
            InvalidValues = counts.InvalidValues,
            Errors = counts.Errors,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            ReportPath = path,
            Message = message,
            Failure = failure,
        };
    }

    private Dictionary<string, string?> Parameters() => new(StringComparer.Ordinal)
    {
        ["batchSize"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["force"] = options.Force ? "true" : "false",
        ["maxUsers"] = options.MaxUsers?.ToString(CultureInfo.InvariantCulture),
        ["userIds"] = options.UserIds is null ? null : options.UserIds.Count.ToString(CultureInfo.InvariantCulture) + " ids",
        ["lockTimeoutMs"] = ((long)options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ["redactValues"] = options.RedactValues ? "true" : "false",
        ["throttleLimit"] = options.ThrottleLimit.ToString(CultureInfo.InvariantCulture),
        ["changeTracking"] = options.ChangeTracking ? "true" : "false",
    };

    /// <summary>The write time for createdAt/updatedAt: UTC to the millisecond, as Prisma stores TIMESTAMP(3).</summary>
    internal static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Unspecified);
    }

    private void SetLockTimeout(NpgsqlConnection connection) =>
        Execute(connection, null, $"SET lock_timeout = {(long)options.LockTimeout.TotalMilliseconds}");

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    internal static string ToJson(IReadOnlyDictionary<string, string?> parameters) => JsonSerializer.Serialize(parameters);
}
