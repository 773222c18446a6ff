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
    /// migrate (all of them with -Force; otherwise the ones without a ProfileNew) with their contexts.
    /// </summary>
    public Batch Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, string after, string? upTo, int limit)
    {
        var ids = ReadIds(connection, transaction, after, upTo, limit);
        if (ids.Count == 0)
        {
            return new Batch(0, after, []);
        }

        return new Batch(ids.Count, ids[^1], ReadUsers(connection, transaction, ids));
    }

    /// <summary>
    /// The users of <paramref name="ids"/> to migrate (all of them with -Force; otherwise the ones without a
    /// ProfileNew) with their contexts, without looking the ids up in "User" (a caller that knows them: the sync, whose
    /// batch's lock says which exist). An id with no "User" row reads as a user without contexts.
    /// </summary>
    public List<BatchUser> ReadUsers(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<string> ids)
    {
        var migrated = ReadMigrated(connection, transaction, ids);
        var wanted = force ? ids : ids.FindAll(id => !migrated.Contains(id));
        var contexts = ReadContexts(connection, transaction, wanted);
        var users = new List<BatchUser>(wanted.Count);
        foreach (var id in wanted)
        {
            users.Add(new BatchUser(new SourceUser(id, contexts.TryGetValue(id, out var list) ? list : []), migrated.Contains(id)));
        }

        return users;
    }

    /// <summary>The next user ids of the range, in key order.</summary>
    private List<string> ReadIds(NpgsqlConnection connection, NpgsqlTransaction? transaction, string after, string? upTo, int limit)
    {
        var ids = new List<string>(limit);
        using var command = new NpgsqlCommand(usersSql, connection, transaction);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.Add(new NpgsqlParameter("upto", NpgsqlDbType.Text) { Value = (object?)upTo ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)userIds ?? DBNull.Value });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
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
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            migrated.Add(reader.GetString(0));
        }

        return migrated;
    }

    /// <summary>The contexts of the users, with their blobs, by user id.</summary>
    private Dictionary<string, List<SourceContext>> ReadContexts(NpgsqlConnection connection, NpgsqlTransaction? transaction, List<string> wanted)
    {
        var contexts = new Dictionary<string, List<SourceContext>>(wanted.Count, StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return contexts;
        }

        using var command = new NpgsqlCommand(contextsSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = wanted });
        using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
        while (reader.Read())
        {
            var userId = reader.GetString(0);
            var context = new SourceContext(
                reader.GetString(1),
                ContextTypes.Parse(reader.GetString(2)),
                reader.GetDateTime(3),
                reader.IsDBNull(4) ? null : reader.GetString(4));
            if (!contexts.TryGetValue(userId, out var list))
            {
                contexts[userId] = list = new List<SourceContext>(4);
            }

            list.Add(context);
        }

        return contexts;
    }
}
