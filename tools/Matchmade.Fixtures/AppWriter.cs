using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>
/// Plays the app during the transition: every kind of write to the old tables, in turn (blob edited, set to JSON null
/// or a non-object, Profile deleted or created, context added, deleted, re-dated or re-typed, user created, deleted or
/// renamed), by raw SQL on its own connection. Writes that collide with a unique key or a row just deleted are skipped.
/// The sync and completion tests use it; the sandbox demo lets it write between the migration and the sync ($app).
/// </summary>
public sealed class AppWriter(string connectionString, string schema = "public")
{
    private static readonly string[] Writes =
    [
        // a blob edited (shared and context fields)
        """UPDATE "Profile" SET data = CASE WHEN jsonb_typeof(data) = 'object' THEN data ELSE '{}'::jsonb END || jsonb_build_object('location', 'City ' || @n, 'coreValues', jsonb_build_array('v' || (@n % 7)), 'friendshipDepth', 'deep ' || @n), "updatedAt" = now() WHERE id = (SELECT id FROM "Profile" ORDER BY random() LIMIT 1)""",
        // set to JSON null
        """UPDATE "Profile" SET data = 'null'::jsonb, "updatedAt" = now() WHERE id = (SELECT id FROM "Profile" ORDER BY random() LIMIT 1)""",
        // set to a non-object
        """UPDATE "Profile" SET data = jsonb_build_array('x', @n), "updatedAt" = now() WHERE id = (SELECT id FROM "Profile" ORDER BY random() LIMIT 1)""",
        // a Profile row deleted
        """DELETE FROM "Profile" WHERE id = (SELECT id FROM "Profile" ORDER BY random() LIMIT 1)""",
        // a Profile row created for a context without one
        """INSERT INTO "Profile" (id, "contextProfileId", data, "updatedAt") SELECT 'wp' || @n, cp.id, jsonb_build_object('name', 'W' || @n, 'ageRange', '30-40'), now() FROM "ContextProfile" cp WHERE NOT EXISTS (SELECT 1 FROM "Profile" p WHERE p."contextProfileId" = cp.id) ORDER BY random() LIMIT 1""",
        // a context added, with its blob
        """WITH c AS (INSERT INTO "ContextProfile" (id, "userId", "contextType", "updatedAt") SELECT 'wc' || @n, u.id, t.t, now() FROM "User" u CROSS JOIN unnest(enum_range(NULL::"RelationshipContextType")) t(t) WHERE NOT EXISTS (SELECT 1 FROM "ContextProfile" x WHERE x."userId" = u.id AND x."contextType" = t.t) ORDER BY random() LIMIT 1 RETURNING id) INSERT INTO "Profile" (id, "contextProfileId", data, "updatedAt") SELECT 'wcp' || @n, id, jsonb_build_object('name', 'Added ' || @n, 'location', 'Far', 'beliefs', jsonb_build_object('k' || (@n % 5), true)), now() FROM c""",
        // a context deleted (its Profile and messages go by cascade)
        """DELETE FROM "ContextProfile" WHERE id = (SELECT id FROM "ContextProfile" ORDER BY random() LIMIT 1)""",
        // a context's createdAt changed (it changes the merge order)
        """UPDATE "ContextProfile" SET "createdAt" = "createdAt" - make_interval(days => 1 + (@n % 400)), "updatedAt" = now() WHERE id = (SELECT id FROM "ContextProfile" ORDER BY random() LIMIT 1)""",
        // a context's contextType changed
        """UPDATE "ContextProfile" cp SET "contextType" = x.t, "updatedAt" = now() FROM (SELECT c.id, t.t FROM "ContextProfile" c CROSS JOIN unnest(enum_range(NULL::"RelationshipContextType")) t(t) WHERE NOT EXISTS (SELECT 1 FROM "ContextProfile" c2 WHERE c2."userId" = c."userId" AND c2."contextType" = t.t) ORDER BY random() LIMIT 1) x WHERE cp.id = x.id""",
        // a user created, with a context and a blob
        """WITH u AS (INSERT INTO "User" (id, email, "updatedAt") VALUES ('wu' || @n, 'wu' || @n || '@example.com', now()) RETURNING id), c AS (INSERT INTO "ContextProfile" (id, "userId", "contextType", "updatedAt") SELECT 'wuc' || @n, id, 'friendship', now() FROM u RETURNING id) INSERT INTO "Profile" (id, "contextProfileId", data, "updatedAt") SELECT 'wup' || @n, id, jsonb_build_object('name', 'New ' || @n, 'friendshipDepth', 'deep'), now() FROM c""",
        // a user created without any context
        """INSERT INTO "User" (id, email, "updatedAt") VALUES ('wz' || @n, 'wz' || @n || '@example.com', now())""",
        // a user deleted (everything of theirs goes by cascade)
        """DELETE FROM "User" WHERE id = (SELECT id FROM "User" ORDER BY random() LIMIT 1)""",
        // a write the merge does not read (a user's email)
        """UPDATE "User" SET email = 'e' || @n || '@example.com', "updatedAt" = now() WHERE id = (SELECT id FROM "User" ORDER BY random() LIMIT 1)""",
    ];

    private int next;

    public int Kinds => Writes.Length;

    private long done;

    public long Done => Interlocked.Read(ref done);

    /// <summary>The next write (kinds in turn).</summary>
    public void WriteOne(NpgsqlConnection connection)
    {
        var n = Interlocked.Increment(ref next);
        using var command = new NpgsqlCommand(Writes[n % Writes.Length], connection);
        command.Parameters.AddWithValue("n", n);
        try
        {
            command.ExecuteNonQuery();
            Interlocked.Increment(ref done);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation)
        {
        }
    }

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = "\"" + schema.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"", ApplicationName = "app writer" }.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Writes a few ms apart on a thread of its own until the returned handle is disposed (which waits for it).</summary>
    public IDisposable Start()
    {
        var stop = new CancellationTokenSource();
        var writing = Task.Factory.StartNew(
            () =>
            {
                using var connection = Open();
                while (!stop.IsCancellationRequested)
                {
                    WriteOne(connection);
                    Thread.Sleep(2);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return new Running(stop, writing);
    }

    private sealed class Running(CancellationTokenSource stop, Task writing) : IDisposable
    {
        public void Dispose()
        {
            stop.Cancel();
            writing.GetAwaiter().GetResult();
            stop.Dispose();
        }
    }

    public void Write(int count)
    {
        using var connection = Open();
        for (var i = 0; i < count; i++)
        {
            WriteOne(connection);
        }
    }
}
