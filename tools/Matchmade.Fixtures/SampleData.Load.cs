using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Fixtures;

/// <summary>Loading the sample users with binary COPY: on one connection, or on four per worker for a large superuser load.</summary>
public static partial class SampleData
{
    private static SampleLoadResult Load(NpgsqlConnection connection, string schema, int total, Func<int, int, IEnumerable<SyntheticUser>> users, bool parallel)
    {
        var watch = Stopwatch.StartNew();
        var q = new NpgsqlCommandBuilder().QuoteIdentifier(schema);
        var counts = new long[4];
        // The rows are consistent by construction, so where the role may (a superuser: the throwaway cluster), skip the
        // per-row foreign-key triggers while loading: that halves the server's work. Then the four tables need not be
        // loaded parent first either: big loads make each user once and write all four tables at once, on four
        // connections (four server processes), split between two workers on machines with four cores or more.
        var replica = TrySet(connection, "SET session_replication_role = replica");
        var done = false;
        try
        {
            // Two workers write the same indexes in two key ranges (more page splits: a third more server CPU), so they
            // only pay off with cores to spare.
            var workers = Environment.ProcessorCount >= 4 ? 2 : 1;
            var others = parallel && replica ? TryOpenMore(connection, 4 * workers) : null;
            if (others is not null)
            {
                try
                {
                    InParallel(q, others, workers, total, users, counts);
                }
                finally
                {
                    foreach (var other in others)
                    {
                        other.Dispose();
                    }
                }
            }
            else
            {
                // Parent tables first, one COPY each (the foreign keys may be checked): each pass makes the users again.
                for (var table = 0; table < 4; table++)
                {
                    using var copy = connection.BeginBinaryImport(CopyCommand(q, table));
                    foreach (var user in users(0, total))
                    {
                        counts[table] += WriteRows(copy, table, user);
                    }

                    copy.Complete();
                }
            }

            done = true;
        }
        finally
        {
            if (replica)
            {
                try
                {
                    TrySet(connection, "RESET session_replication_role");
                }
                catch (Exception e) when (!done && e is NpgsqlException or InvalidOperationException)
                {
                    // The load failed and took the connection with it: report the load's error.
                }
            }
        }

        using (var analyze = new NpgsqlCommand($"ANALYZE {q}.\"User\", {q}.\"ContextProfile\", {q}.\"Profile\", {q}.\"ChatMessage\"", connection))
        {
            analyze.ExecuteNonQuery();
        }

        return new SampleLoadResult(counts[0], counts[1], counts[2], counts[3], watch.Elapsed);
    }

    /// <summary>Worker w makes users [w*total/workers, (w+1)*total/workers) and writes them on connections 4w..4w+3.</summary>
    private static void InParallel(string q, NpgsqlConnection[] connections, int workers, int total, Func<int, int, IEnumerable<SyntheticUser>> users, long[] counts)
    {
        var failed = 0;
        var errors = new Exception?[workers];
        var perWorker = new long[workers][];
        var threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            threads[w] = new Thread(() =>
            {
                var mine = perWorker[worker] = new long[4];
                var copies = new NpgsqlBinaryImporter[4];
                try
                {
                    for (var table = 0; table < 4; table++)
                    {
                        copies[table] = connections[4 * worker + table].BeginBinaryImport(CopyCommand(q, table));
                    }

                    foreach (var user in users((int)((long)worker * total / workers), (int)((long)(worker + 1) * total / workers)))
                    {
                        if (Volatile.Read(ref failed) != 0)
                        {
                            return; // another worker failed: cancel ours (Dispose below)
                        }

                        for (var table = 0; table < 4; table++)
                        {
                            mine[table] += WriteRows(copies[table], table, user);
                        }
                    }

                    // Each COPY commits on its own; the users first.
                    foreach (var copy in copies)
                    {
                        copy.Complete();
                    }
                }
                catch (Exception e)
                {
                    errors[worker] = e;
                    Interlocked.Exchange(ref failed, 1);
                }
                finally
                {
                    foreach (var copy in copies)
                    {
                        try
                        {
                            copy?.Dispose(); // cancels a COPY that was not completed
                        }
                        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
                        {
                            errors[worker] ??= e;
                        }
                    }
                }
            })
            { IsBackground = true, Name = $"SampleData loader {w}" };
            threads[w].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new InvalidOperationException($"Loading the sample data failed: {error.Message}", error);
        }

        for (var table = 0; table < 4; table++)
        {
            counts[table] = perWorker.Sum(c => c[table]);
        }
    }

    private static string CopyCommand(string q, int table) => table switch
    {
        0 => $"COPY {q}.\"User\" (\"id\", \"email\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        1 => $"COPY {q}.\"ContextProfile\" (\"id\", \"userId\", \"contextType\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        2 => $"COPY {q}.\"Profile\" (\"id\", \"contextProfileId\", \"data\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        _ => $"COPY {q}.\"ChatMessage\" (\"id\", \"contextProfileId\", \"role\", \"content\", \"createdAt\") FROM STDIN (FORMAT BINARY)",
    };

    private static int WriteRows(NpgsqlBinaryImporter copy, int table, SyntheticUser user)
    {
        var rows = 0;
        switch (table)
        {
            case 0:
                copy.StartRow();
                copy.Write(user.Id, NpgsqlDbType.Text);
                copy.Write(user.Email, NpgsqlDbType.Text);
                copy.Write(user.CreatedAt, NpgsqlDbType.Timestamp);
                copy.Write(user.UpdatedAt, NpgsqlDbType.Timestamp);
                return 1;
            case 1:
                foreach (var context in user.Contexts)
                {
                    copy.StartRow();
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(user.Id, NpgsqlDbType.Text);
                    copy.Write(context.ContextType, NpgsqlDbType.Text);
                    copy.Write(context.CreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(context.UpdatedAt, NpgsqlDbType.Timestamp);
                    rows++;
                }

                return rows;
            case 2:
                foreach (var context in user.Contexts)
                {
                    if (context.Profile() is not { } blob)
                    {
                        continue;
                    }

                    copy.StartRow();
                    copy.Write(context.ProfileId!, NpgsqlDbType.Text);
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(blob, NpgsqlDbType.Jsonb);
                    copy.Write(context.ProfileCreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(context.ProfileUpdatedAt, NpgsqlDbType.Timestamp);
                    rows++;
                }

                return rows;
            default:
                foreach (var context in user.Contexts)
                {
                    for (var m = 0; m < user.ChatMessagesPerContext; m++)
                    {
                        var lines = m % 2 == 0 ? AssistantLines : UserLines;
                        copy.StartRow();
                        copy.Write(ChatId(context, m), NpgsqlDbType.Text);
                        copy.Write(context.Id, NpgsqlDbType.Text);
                        copy.Write(m % 2 == 0 ? "assistant" : "user", NpgsqlDbType.Text);
                        copy.Write(lines[(m / 2 + context.Id[^1]) % lines.Length], NpgsqlDbType.Text);
                        copy.Write(context.CreatedAt.AddSeconds(30 + 90 * m), NpgsqlDbType.Timestamp);
                        rows++;
                    }
                }

                return rows;
        }
    }

    /// <summary>More connections to the same database as the same role (the password comes along), set up for loading; null if not possible.</summary>
    private static NpgsqlConnection[]? TryOpenMore(NpgsqlConnection connection, int count)
    {
        var opened = new List<NpgsqlConnection>();
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false, WriteBufferSize = 1 << 16 };
            for (var i = 0; i < count; i++)
            {
                var other = connection.CloneWith(builder.ConnectionString);
                opened.Add(other);
                other.Open();
                if (!TrySet(other, "SET session_replication_role = replica"))
                {
                    throw new InvalidOperationException("not a superuser");
                }
            }

            return [.. opened];
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            // Too few connection slots, a data source we cannot clone, ...: load on the one connection.
            foreach (var other in opened)
            {
                other.Dispose();
            }

            return null;
        }
    }

    private static bool TrySet(NpgsqlConnection connection, string sql)
    {
        try
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "42501")
        {
            return false; // not a superuser: keep the checks
        }
    }
}
