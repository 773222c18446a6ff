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

/// <summary>A changed user as a sync pass claimed it: the id and the sequence numbers of its change records.</summary>
public sealed record ClaimedUser(string UserId, long[] Seqs);

/// <summary>What one sync batch committed.</summary>
public sealed record SyncBatchResult(int Resynced, int Created, int Deleted, int Failed, int Intents, IReadOnlyList<Finding> Findings, IReadOnlyList<RunError> Errors)
{
    /// <summary>The ContextIntents written, per context type (index: <see cref="ContextType"/>; they add up to <see cref="Intents"/>).</summary>
    public long[] IntentsByType { get; init; } = new long[ContextTypes.All.Count];
}

/// <summary>
/// One sync batch, self-contained: reads the old rows of a set of users as they are now, merges them by the same rules
/// (<see cref="BatchMerger.Merge"/>), rebuilds their new rows in place (<see cref="BatchWriter.Upsert"/>: ids and
/// createdAt of surviving rows kept, ContextIntents of vanished contexts removed, users without new rows inserted),
/// removes the rows of users that no longer exist, and releases exactly the change records it claimed: all in one
/// REPEATABLE READ transaction (one snapshot of the old rows), so a user is synced whole or not at all, and a change
/// committed meanwhile keeps its own record for the next pass.
/// </summary>
public sealed class SyncBatch(SchemaNames schemas, Guid runId)
{
    private readonly BatchWriter writer = new(schemas);
    private readonly string deleteUsers = SqlText.For("sync-delete-users.sql", schemas);
    private readonly string release = SqlText.For("sync-release.sql", schemas);
    private readonly string lockUsers = SqlText.For("sync-lock-users.sql", schemas);

    /// <summary>
    /// Syncs <paramref name="users"/> (distinct ids) and releases their change records plus <paramref name="alsoRelease"/>
    /// (records that name no user any more). Users whose merge or write fails keep their records (still pending).
    /// </summary>
    public SyncBatchResult Run(NpgsqlConnection connection, IReadOnlyList<ClaimedUser> users, long[] alsoRelease, RunHistory? history)
    {
        using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        var result = Run(connection, transaction, users, alsoRelease, history);
        transaction.Commit();
        return result;
    }

    /// <summary>
    /// The same in the caller's transaction, which the caller commits: Complete-ProfileMigration's final sync, under
    /// the locks that keep the app from writing the old tables, in the transaction that then drops the old table.
    /// </summary>
    public SyncBatchResult Run(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ClaimedUser> users, long[] alsoRelease, RunHistory? history)
    {
        var ids = users.Select(u => u.UserId).ToArray();
        using (var lockRows = new NpgsqlCommand(lockUsers, connection, transaction))
        {
            lockRows.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
            lockRows.ExecuteNonQuery();
        }

        var read = new BatchReader(schemas, targetExists: true, ids, force: true).Read(connection, transaction, string.Empty, null, Math.Max(1, ids.Length));
        var prepared = BatchMerger.Merge(read.Users, parallel: false);
        var errors = new List<RunError>(prepared.Errors);
        var written = Write(connection, transaction, prepared.Prepared, errors);
        var existing = read.Users.Select(u => u.Source.UserId).ToHashSet(StringComparer.Ordinal);
        var gone = ids.Where(id => !existing.Contains(id)).ToArray();
        if (gone.Length > 0)
        {
            using var delete = new NpgsqlCommand(deleteUsers, connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = gone });
            delete.Parameters.AddWithValue("app_schema", schemas.App);
            delete.ExecuteNonQuery();
        }

        var failedIds = errors.Select(e => e.UserId).ToHashSet(StringComparer.Ordinal);
        var seqs = users.Where(u => !failedIds.Contains(u.UserId)).SelectMany(u => u.Seqs).Concat(alsoRelease).ToArray();
        if (seqs.Length > 0)
        {
            using var done = new NpgsqlCommand(release, connection, transaction);
            done.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = seqs });
            done.ExecuteNonQuery();
        }

        var kept = written.Select(w => w.UserId).ToHashSet(StringComparer.Ordinal);
        var findings = prepared.Findings.FindAll(f => kept.Contains(f.UserId));
        var intents = written.Sum(u => u.Intents.Count);
        history?.Batch(transaction, runId, written.Count, errors.Count, intents, findings, errors);
        var created = read.Users.Count(u => !u.AlreadyMigrated && kept.Contains(u.Source.UserId));
        var byType = new long[ContextTypes.All.Count];
        RunCounters.CountIntents(written, byType);
        return new SyncBatchResult(written.Count - created, created, gone.Length, errors.Count, intents, findings, errors) { IntentsByType = byType };
    }

    /// <summary>The batch in one go; if one user's data breaks it, user by user (savepoints), keeping the good ones.</summary>
    private List<PreparedUser> Write(NpgsqlConnection connection, NpgsqlTransaction transaction, List<PreparedUser> users, List<RunError> errors)
    {
        if (users.Count == 0)
        {
            return users;
        }

        var now = BatchWriter.Now();
        transaction.Save("sync_batch");
        try
        {
            writer.Upsert(connection, transaction, users, runId, now, CancellationToken.None);
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
                writer.Upsert(connection, transaction, [user], runId, now, CancellationToken.None);
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
