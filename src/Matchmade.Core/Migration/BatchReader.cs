using Matchmade.Core.Merge;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>One user as read for a batch: the merge input, and whether the user already has a ProfileNew.</summary>
public sealed record BatchUser(SourceUser Source, bool AlreadyMigrated);

/// <summary>
/// Streams the old rows a batch at a time, keyset over "User".id: each read is one index range scan, however far
/// the run has got, and a re-run resumes where the data says (users without ProfileNew), not where a file says.
/// </summary>
public sealed class BatchReader
{
    private readonly string sql;
    private readonly string[]? userIds;
    private readonly bool force;

    public BatchReader(SchemaNames schemas, bool targetExists, IReadOnlyCollection<string>? userIds, bool force)
    {
        sql = SqlText.For(targetExists ? "batch-read.sql" : "batch-read-no-target.sql", schemas);
        this.userIds = userIds?.ToArray();
        this.force = force;
    }

    /// <summary>The next up to <paramref name="limit"/> users after <paramref name="after"/>, in id order.</summary>
    public List<BatchUser> Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, string after, int limit)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)userIds ?? DBNull.Value });
        if (sql.Contains("@force", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("force", force);
        }

        var users = new List<BatchUser>(limit);
        using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
        string? currentId = null;
        var migrated = false;
        var contexts = new List<SourceContext>(5);
        while (reader.Read())
        {
            var userId = reader.GetString(0);
            if (!string.Equals(userId, currentId, StringComparison.Ordinal))
            {
                Flush();
                currentId = userId;
                migrated = reader.GetBoolean(1);
            }

            if (!reader.IsDBNull(2))
            {
                var contextProfileId = reader.GetString(2);
                var contextType = ContextTypes.Parse(reader.GetString(3));
                var createdAt = reader.GetDateTime(4);
                var data = reader.IsDBNull(5) ? null : reader.GetString(5);
                contexts.Add(new SourceContext(contextProfileId, contextType, createdAt, data));
            }
        }

        Flush();
        return users;

        void Flush()
        {
            if (currentId is not null)
            {
                users.Add(new BatchUser(new SourceUser(currentId, [.. contexts]), migrated));
                contexts.Clear();
            }
        }
    }
}
