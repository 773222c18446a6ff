using Matchmade.Core.Connection;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Migration;

/// <summary>One user as read for a batch: the merge input, and whether the user already has a ProfileNew.</summary>
public sealed record BatchUser(SourceUser Source, bool AlreadyMigrated);

/// <summary>
/// Reads the old rows a batch at a time: first the batch's user ids (keyset over "User".id, one index range scan
/// however far the run has got), then their contexts and blobs by index. A re-run resumes where the data says (users
/// without ProfileNew), not where a file says.
/// </summary>
public sealed class BatchReader
{
    private readonly string usersSql;
    private readonly string? migratedSql;
    private readonly string contextsSql;
    private readonly string[]? userIds;
    private readonly bool force;

    /// <param name="tables">Where the old blobs and the new rows are (the transition's tables when null; the reconciliation after a completion reads the archive).</param>
    public BatchReader(SchemaNames schemas, bool targetExists, IReadOnlyCollection<string>? userIds, bool force, ProfileTables? tables = null)
    {
        tables ??= ProfileTables.Transition;
        usersSql = SqlText.For("batch-users.sql", schemas);
        migratedSql = targetExists ? tables.Sql("batch-migrated.sql", schemas) : null;
        contextsSql = tables.Sql("batch-contexts.sql", schemas);
        this.userIds = userIds?.ToArray();
        this.force = force;
    }

    /// <summary>What one read returned: how many ids it walked past, the last one, and the users to migrate.</summary>
    public sealed record Batch(int IdsRead, string LastUserId, List<BatchUser> Users) : IKeysetBatch
    {
        public int UserCount => Users.Count;
    }

    /// <summary>
    /// Walks the next up to <paramref name="limit"/> user ids after <paramref name="after"/> (and not past
    /// <paramref name="upTo"/>, when given) and returns those to
    /// migrate (all of them with -Force; otherwise the ones without a ProfileNew) with their contexts; with a
    /// <paramref name="budget"/>, fewer when their blobs would pass it.
    /// </summary>
    public Batch Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, string? after, string? upTo, int limit, BatchBudget? budget = null)
    {
        var (idsRead, lastUserId, users) = Read(connection, transaction, after, upTo, limit, user => user, budget);
        return new Batch(idsRead, lastUserId, users);
    }

    /// <summary>
    /// Reads like <see cref="Read(NpgsqlConnection, NpgsqlTransaction?, string, string?, int, BatchBudget?)"/> but hands each user to
    /// <paramref name="each"/> as soon as its rows are read and keeps only what that returns (in key order): a pass that
    /// merges while it reads holds one user's blobs at a time, never a whole batch's (issue 17: they die young instead
    /// of being promoted and churning the older generations).
    /// </summary>
    public (int IdsRead, string LastUserId, List<T> Users) Read<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string? after, string? upTo, int limit, Func<BatchUser, T> each, BatchBudget? budget = null)
    {
        var ids = ReadIds(connection, transaction, after, upTo, budget?.Begin(limit) ?? limit);
        if (ids.Count == 0)
        {
            return (0, after ?? string.Empty, []);
        }

        var (users, kept) = ReadUsers(connection, transaction, ids, each, budget);
        return (kept, ids[kept - 1], users);
    }

    /// <summary>
    /// Reads the users of <paramref name="ids"/> to migrate (all of them with -Force; otherwise the ones without a
    /// ProfileNew) with their contexts, each handed to <paramref name="each"/> (on this thread) as soon as its rows are
    /// read, without looking the ids up in "User": the key walk above, and the sync, whose batch's lock says which
    /// exist (an id with no "User" row reads as a user without contexts). Once the <paramref name="budget"/> (its read
    /// begun by the caller) is spent (by the blobs handed on and what <paramref name="each"/> added), the batch ends
    /// after that user: only the ids up to it are kept (<c>Kept</c>, at least one). The contexts come ordered by user,
    /// in the same order as the ids (both sorted by the server on the same key), but the cut does not rely on it: an id
    /// before the cut whose rows were not seen is read again, and a user after it that was read is dropped.
    /// </summary>
    public (List<T> Users, int Kept) ReadUsers<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<string> ids, Func<BatchUser, T> each, BatchBudget? budget)
    {
        var migrated = ReadMigrated(connection, transaction, ids);
        var wanted = force ? ids : ids.FindAll(id => !migrated.Contains(id));
        var done = new Dictionary<string, T>(wanted.Count, StringComparer.Ordinal);
        void Add(string id, List<SourceContext> contexts)
        {
            if (!done.TryAdd(id, each(new BatchUser(new SourceUser(id, contexts), migrated.Contains(id)))))
            {
                throw new InvalidOperationException($"The contexts of user {id} did not come in one run (batch-contexts.sql must order by user).");
            }
        }

        var cutAfter = ReadContexts(connection, transaction, wanted, Add, budget);
        var kept = ids.Count;
        if (cutAfter is not null)
        {
            kept = ids.IndexOf(cutAfter) + 1;
            var within = ids.GetRange(0, kept).ToHashSet(StringComparer.Ordinal);
            wanted = wanted.FindAll(within.Contains);
            ReadContexts(connection, transaction, wanted.FindAll(id => !done.ContainsKey(id)), Add, null);
        }

        var users = new List<T>(wanted.Count);
        foreach (var id in wanted)
        {
            users.Add(done.TryGetValue(id, out var user) ? user : each(new BatchUser(new SourceUser(id, []), migrated.Contains(id))));
        }

        budget?.Observed(kept);
        return (users, kept);
    }

    /// <summary>The next user ids of the range, in key order.</summary>
    private List<string> ReadIds(NpgsqlConnection connection, NpgsqlTransaction? transaction, string? after, string? upTo, int limit)
    {
        using var command = new NpgsqlCommand(usersSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Text) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("upto", NpgsqlDbType.Text) { Value = (object?)upTo ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)userIds ?? DBNull.Value });
        return Db.Strings(command, new List<string>(limit));
    }

    /// <summary>Which of the ids have a ProfileNew already (none when the new tables are not there yet).</summary>
    private HashSet<string> ReadMigrated(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<string> ids)
    {
        var migrated = new HashSet<string>(StringComparer.Ordinal);
        if (migratedSql is null)
        {
            return migrated;
        }

        using var command = new NpgsqlCommand(migratedSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        return Db.Strings(command, migrated);
    }

    /// <summary>
    /// The contexts of the users with their blobs, one user's at a time (the rows come ordered by user) to
    /// <paramref name="user"/>; users without contexts are not passed. Counts the blobs passed on against
    /// <paramref name="budget"/> and stops once it is spent (the rest of the rows are skipped): returns after which
    /// user, or null when every row was read.
    /// </summary>
    private string? ReadContexts(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<string> wanted, Action<string, List<SourceContext>> user, BatchBudget? budget)
    {
        if (wanted.Count == 0)
        {
            return null;
        }

        using var command = new NpgsqlCommand(contextsSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = wanted });
        using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
        string? current = null;
        var list = new List<SourceContext>(4);
        long pending = 0;
        while (reader.Read())
        {
            var userId = reader.GetString(0);
            if (current is not null && userId != current)
            {
                user(current, list);
                budget?.Spend(pending);
                if (budget?.Exhausted == true)
                {
                    return current;
                }

                list = new List<SourceContext>(4);
                pending = 0;
            }

            current = userId;
            var context = new SourceContext(
                reader.GetString(1),
                ContextTypes.Parse(reader.GetString(2)),
                reader.GetDateTime(3),
                reader.IsDBNull(4) ? null : reader.GetString(4));
            pending += context.ProfileData?.Length ?? 0;
            list.Add(context);
        }

        if (current is not null)
        {
            user(current, list);
            budget?.Spend(pending);
        }

        return null;
    }
}
