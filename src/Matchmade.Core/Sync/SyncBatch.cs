using System.Collections.Concurrent;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Reporting;
using Matchmade.Core.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Sync;

/// <summary>A changed user as a sync pass claimed it: the id and its change records.</summary>
public sealed record ClaimedUser(string UserId, ChangeRecord[] Records);

/// <summary>A claimed change record: its sequence number and where it was (its ctid as text; the release finds it by ctid: sync-release.sql).</summary>
public readonly record struct ChangeRecord(long Seq, string Ctid);

/// <summary>
/// What one sync batch committed. <paramref name="Failed"/> counts every user whose merge or write failed (they stay
/// pending); <paramref name="Errors"/> are the ones the run had not reported before (<see cref="SyncBatch"/>'s
/// reported users: a -Continuous sync tries a failing user again each pass, and says so once).
/// </summary>
public sealed record SyncBatchResult(int Resynced, int Created, int Deleted, int Failed, int Intents, IReadOnlyList<Finding> Findings, IReadOnlyList<RunError> Errors)
{
    /// <summary>The ContextIntents written, per context type (index: <see cref="ContextType"/>; they add up to <see cref="Intents"/>).</summary>
    public long[] IntentsByType { get; init; } = new long[ContextTypes.All.Count];

    /// <summary>The findings and errors as the run history's journal encoded them, for the report to take as they are (null: none, or no history).</summary>
    internal EncodedFindings? Encoded { get; init; }
}

/// <summary>
/// A sync batch's users as read from the old tables and merged (on every core), maybe before the batch's transaction:
/// the claimed users, those that already had new rows, and the merge's rows, findings and errors.
/// </summary>
public sealed record SyncRead(IReadOnlyList<ClaimedUser> Users, HashSet<string> Migrated, MergedUsers Merged);

/// <summary>
/// One sync batch: reads the old rows of a set of users as they are now and merges them by the same rules
/// (<see cref="Read"/>: <see cref="BatchReader"/>, <see cref="BatchMerger.OnEveryCore"/>), then in one transaction locks
/// the users, rebuilds their new rows in place (<see cref="BatchWriter.Upsert"/>: ids and createdAt of surviving rows
/// kept, ContextIntents of vanished contexts removed, users without new rows inserted), removes the rows of users that
/// no longer exist, and releases exactly the change records it claimed, so a user is synced whole or not at all. The
/// read may come before the transaction (the sync reads the next batch while this one is written, as the live run
/// does): the claim saw every claimed change committed, so any read after it sees them; a change committed after the
/// read keeps its own record for the next pass. Which users exist is what the lock finds in the transaction: those
/// it does not find (deleted, before or after the read) are gone. <paramref name="reported"/>: the users whose failure
/// the run has already reported (its report and journal take each failing user once; null: report every failure).
/// </summary>
public sealed class SyncBatch(SchemaNames schemas, Guid runId, ConcurrentDictionary<string, bool>? reported = null, bool lockUsers = true)
{
    private readonly BatchWriter writer = new(schemas);
    private readonly string[] deleteUsers = SqlText.StatementsFor("sync-delete-users.sql", schemas);
    private readonly string release = SqlText.For("sync-release.sql", schemas);
    private readonly string lockUsers = SqlText.For(lockUsers ? "sync-lock-users.sql" : "sync-find-users.sql", schemas);
    private readonly BatchReader reader = new(schemas, targetExists: true, userIds: null, force: true);

    /// <summary>
    /// Whether the next rewrite first drops the users that come out unchanged (BatchWriter.Upsert's leaveSettled). It is
    /// on for the run's first batch (a pass's first batch is a tenth of the batch size: ChangedUsersSource) and stays on
    /// while at least a quarter of a batch's users come out unchanged: the app re-saving blobs as they were, touching
    /// only "updatedAt" or adding keys no rule maps (every UPDATE of "Profile" is recorded), where it saves their
    /// rewrite and nearly all of its WAL (a 10,000-user sync of such edits at 1,000,000 users: 1.1–1.2 s instead of
    /// 1.5–1.7 s). For a user that differs the check adds about a third to its rewrite, so once a batch shows the users
    /// differing it is off, and tried again after every <see cref="SettledRetry"/> batches without it.
    /// </summary>
    private bool leaveSettled = true;
    private int batchesSinceSettled;
    private const int SettledRetry = 16;

    /// <summary>
    /// Reads <paramref name="users"/> (distinct ids, ascending) from the old tables as they are now and merges them, each
    /// user on the thread pool as soon as its rows are in, as the dry run does: the merge overlaps the read. With a
    /// <paramref name="budget"/> (begun by the caller), the batch ends after the user whose blobs and findings pass it:
    /// the result's <see cref="SyncRead.Users"/> are the first users only, and the caller reads the rest later.
    /// </summary>
    public SyncRead Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<ClaimedUser> users, BatchBudget? budget = null)
    {
        var migrated = new HashSet<string>(StringComparer.Ordinal);
        var merge = BatchMerger.OnEveryCore(budget);
        var (started, kept) = reader.ReadUsers(connection, transaction, users.Select(u => u.UserId).ToList(), user =>
        {
            if (user.AlreadyMigrated)
            {
                migrated.Add(user.Source.UserId);
            }

            return merge(user);
        }, budget);
        var read = kept == users.Count ? users : [.. users.Take(kept)];
        return new SyncRead(read, migrated, BatchMerger.Collect(started));
    }

    /// <summary>
    /// Writes a batch read before (<see cref="Read"/>) in a transaction of its own and releases the users' change
    /// records plus <paramref name="alsoRelease"/> (records that name no user any more). Users whose merge or write
    /// fails keep their records (still pending).
    /// </summary>
    public SyncBatchResult Run(NpgsqlConnection connection, SyncRead read, ChangeRecord[] alsoRelease, RunHistory? history)
    {
        // READ COMMITTED: the rows were read before; the lock sees the users that exist now.
        using var transaction = connection.BeginTransaction();
        var present = Lock(connection, transaction, read.Users);
        var result = Write(connection, transaction, read, present, alsoRelease, history);
        transaction.Commit();
        return result;
    }

    /// <summary>
    /// Reads and writes <paramref name="users"/> in the caller's transaction, which the caller commits:
    /// Complete-ProfileMigration's final sync, under the locks that keep the app from writing the old tables, in the
    /// transaction that then drops the old table.
    /// </summary>
    public SyncBatchResult Run(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ClaimedUser> users, ChangeRecord[] alsoRelease, RunHistory? history)
    {
        var present = Lock(connection, transaction, users);
        return Write(connection, transaction, Read(connection, transaction, users), present, alsoRelease, history);
    }

    /// <summary>The users' "User" rows, locked first (sync-lock-users.sql says why; not without the grant: sync-find-users.sql); returns the ids that exist.</summary>
    private HashSet<string> Lock(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ClaimedUser> users)
    {
        var present = new HashSet<string>(users.Count, StringComparer.Ordinal);
        if (users.Count == 0)
        {
            return present;
        }

        using var lockRows = new NpgsqlCommand(lockUsers, connection, transaction);
        lockRows.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = users.Select(u => u.UserId).ToArray() });
        return Db.Strings(lockRows, present);
    }

    /// <summary>
    /// The batch's writes: the new rows of the users read and still there, the removal of the rest (gone from the old
    /// tables), the release of the change records of every user not failed, and the run history's counts.
    /// </summary>
    private SyncBatchResult Write(NpgsqlConnection connection, NpgsqlTransaction transaction, SyncRead read, HashSet<string> present, ChangeRecord[] alsoRelease, RunHistory? history)
    {
        var errors = read.Merged.Errors.FindAll(e => e.UserId is null || present.Contains(e.UserId));
        var written = WriteRows(connection, transaction, read.Merged.Prepared.FindAll(u => present.Contains(u.UserId)), errors);
        var gone = read.Users.Select(u => u.UserId).Where(id => !present.Contains(id)).ToArray();
        if (gone.Length > 0)
        {
            Db.ExecuteEach(connection, transaction, deleteUsers, parameters =>
            {
                parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = gone });
                parameters.AddWithValue("app_schema", schemas.App);
            });
        }

        var failedIds = errors.Select(e => e.UserId).ToHashSet(StringComparer.Ordinal);
        var records = read.Users.Where(u => !failedIds.Contains(u.UserId)).SelectMany(u => u.Records).Concat(alsoRelease).ToArray();
        if (records.Length > 0)
        {
            using var done = new NpgsqlCommand(release, connection, transaction);
            done.Parameters.Add(new NpgsqlParameter("ctids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = records.Select(r => r.Ctid).ToArray() });
            done.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = records.Select(r => r.Seq).ToArray() });
            done.ExecuteNonQuery();
        }

        var writtenIds = written.Select(w => w.UserId).ToHashSet(StringComparer.Ordinal);
        var findings = read.Merged.Findings.FindAll(f => writtenIds.Contains(f.UserId));
        var intents = written.Sum(u => u.Intents.Count);
        var news = reported is null ? errors : errors.FindAll(e => e.UserId is null || !reported.ContainsKey(e.UserId));
        var journaled = history?.Batch(transaction, runId, written.Count, news.Count, intents, findings, news);
        var created = written.Count(u => !read.Migrated.Contains(u.UserId));
        var byType = new long[ContextTypes.All.Count];
        RunCounters.CountIntents(written, byType);
        return new SyncBatchResult(written.Count - created, created, gone.Length, errors.Count, intents, findings, news) { IntentsByType = byType, Encoded = journaled };
    }

    /// <summary>The batch in one go; if one user's data breaks it, user by user (savepoints), keeping the good ones.</summary>
    private List<PreparedUser> WriteRows(NpgsqlConnection connection, NpgsqlTransaction transaction, List<PreparedUser> users, List<RunError> errors)
    {
        if (users.Count == 0)
        {
            return users;
        }

        var now = BatchWriter.Now();
        transaction.Save("sync_batch");
        try
        {
            var settled = writer.Upsert(connection, transaction, users, runId, now, leaveSettled, CancellationToken.None);
            batchesSinceSettled = leaveSettled ? 0 : batchesSinceSettled + 1;
            leaveSettled = leaveSettled ? 4 * settled >= users.Count : batchesSinceSettled >= SettledRetry;
            return users;
        }
        catch (PostgresException e) when (DbErrors.IsDataError(e))
        {
            transaction.Rollback("sync_batch");
        }

        var written = new List<PreparedUser>(users.Count);
        foreach (var user in users)
        {
            transaction.Save("sync_user");
            try
            {
                writer.Upsert(connection, transaction, [user], runId, now, leaveSettled: false, CancellationToken.None);
                transaction.Release("sync_user");
                written.Add(user);
            }
            catch (PostgresException e) when (DbErrors.IsDataError(e))
            {
                transaction.Rollback("sync_user");
                errors.Add(new RunError(user.UserId, ErrorIds.UserWriteFailed, $"{Secrets.Scrub(e.MessageText)} (SQLSTATE {e.SqlState})"));
            }
        }

        return written;
    }
}
