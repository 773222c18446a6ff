using System.Diagnostics;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Reporting;
using Npgsql;

namespace Matchmade.Core.Migration.Pipeline;

/// <summary>What every live-write sink of a run shares: the writer, the run history, the run's id, options and totals.</summary>
internal sealed record LiveWrite(BatchWriter Writer, RunHistory History, Guid RunId, MigrationOptions Options, RunCounters Counters, IOperationLog Log);

/// <summary>
/// The live run's sink, one per worker on the worker's own connection: each batch is one transaction holding its
/// users' new rows and its run-history counts, so a user is migrated whole or not at all. When one user's data
/// breaks the batch, the batch is redone user by user behind savepoints and the users the server refuses are reported.
/// </summary>
internal sealed class LiveWriteSink(LiveWrite run, NpgsqlConnection connection, Action<BatchResult> handOver) : IBatchSink<MergedBatch>
{
    private readonly BatchTimeline.Lap lap = run.Counters.Timeline.StartLap();

    public void Accept(MergedBatch batch)
    {
        var number = batch.UserCount > 0 ? run.Counters.NextBatchNumber() : 0;
        var result = Retry.Run($"Batch {number}", () => Write(batch, number), run.Options.MaxRetries, run.Log, CancellationToken.None);
        if (number > 0)
        {
            lap.Committed(result.Migrated + result.Failed);
        }
        else
        {
            lap.Restart();
        }

        handOver(result);
    }

    private BatchResult Write(MergedBatch batch, long number)
    {
        var watch = Stopwatch.StartNew();
        if (batch.UserCount == 0)
        {
            return new BatchResult(0, batch.IdsRead, 0, batch.LastUserId, 0, 0, 0, [], [], watch.Elapsed);
        }

        using var transaction = connection.BeginTransaction();
        var now = BatchWriter.Now();
        var errors = new List<RunError>(batch.Merged.Errors);
        var written = batch.Merged.Prepared;
        try
        {
            transaction.Save("batch");
            Copy(transaction, written, now);
        }
        catch (PostgresException e) when (DbErrors.IsDataError(e))
        {
            transaction.Rollback("batch");
            run.Log.Verbose($"Batch {number} failed ({Secrets.Scrub(e.MessageText)}, SQLSTATE {e.SqlState}); isolating the user(s) responsible.");
            written = WriteOneByOne(transaction, batch.Merged.Prepared, errors, now, number);
        }

        var findings = batch.Merged.Findings;
        if (written.Count != batch.Merged.Prepared.Count)
        {
            var kept = written.Select(w => w.UserId).ToHashSet(StringComparer.Ordinal);
            findings = findings.FindAll(f => kept.Contains(f.UserId));
        }

        var intents = written.Sum(u => u.Intents.Count);
        var journaled = run.History.Batch(transaction, run.RunId, written.Count, errors.Count, intents, findings, errors);
        transaction.Commit();
        run.Counters.Add(written, errors.Count);
        return new BatchResult(number, batch.IdsRead, batch.UserCount, batch.LastUserId, written.Count, errors.Count, intents, findings, errors, watch.Elapsed, journaled);
    }

    /// <summary>One user's data broke the batch: redo it user by user, keep the good ones, report the bad ones (not the deleted ones).</summary>
    private List<PreparedUser> WriteOneByOne(NpgsqlTransaction transaction, List<PreparedUser> users, List<RunError> errors, DateTime now, long number)
    {
        var written = new List<PreparedUser>(users.Count);
        foreach (var user in users)
        {
            transaction.Save("one_user");
            try
            {
                CopyOne(transaction, user, now, number);
                transaction.Release("one_user");
                written.Add(user);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
            {
                // The new tables' only foreign keys are to "User": the app deleted the user after the batch was read (the
                // pipeline reads the next batch while this one is written). Gone, not failed; no look-up before each batch
                // for this rare case (it would cost every batch an index probe per user): the batch is redone user by user.
                transaction.Rollback("one_user");
                run.Log.Verbose($"Batch {number}: user {user.UserId} was deleted by the app since the batch was read; not migrated.");
            }
            catch (PostgresException e) when (DbErrors.IsDataError(e))
            {
                transaction.Rollback("one_user");
                var hint = e.SqlState == PostgresErrorCodes.UniqueViolation ? "; the user already has new rows the module did not expect (written by the app?): rebuild them with -Force" : string.Empty;
                errors.Add(new RunError(user.UserId, ErrorIds.UserWriteFailed, $"{Secrets.Scrub(e.MessageText)} (SQLSTATE {e.SqlState}){hint}"));
            }
        }

        return written;
    }

    /// <summary>
    /// One user of a batch redone user by user. A user whose new rows were deleted by hand keeps the module's record of
    /// it (matchmade.migrated_user), which the insert's COPY of the record then hits: the stale record goes and the user
    /// is inserted again, instead of failing as "written by the app?".
    /// </summary>
    private void CopyOne(NpgsqlTransaction transaction, PreparedUser user, DateTime now, long number)
    {
        transaction.Save("one_user_try");
        try
        {
            Copy(transaction, [user], now);
            return;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == "migrated_user" && !run.Options.Force)
        {
            transaction.Rollback("one_user_try");
            if (!run.Writer.ForgetStaleRecord(connection, transaction, user.UserId))
            {
                throw;
            }
        }

        run.Log.Verbose($"Batch {number}: user {user.UserId} had the module's record but no ProfileNew (its new rows deleted by hand?): migrated again.");
        Copy(transaction, [user], now);
    }

    private void Copy(NpgsqlTransaction transaction, List<PreparedUser> users, DateTime now)
    {
        if (users.Count == 0)
        {
            return;
        }

        if (run.Options.Force)
        {
            run.Writer.Upsert(connection, transaction, users, run.RunId, now, leaveSettled: true, CancellationToken.None);
        }
        else
        {
            run.Writer.Insert(connection, users, run.RunId, now, CancellationToken.None);
        }
    }
}
