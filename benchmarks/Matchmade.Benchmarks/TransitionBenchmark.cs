using System.Diagnostics;
using System.Globalization;
using Npgsql;

/// <summary>
/// The transition's figures: what change tracking costs the app (single-row UPDATE "Profile" latency, p50 and p99, with
/// the tracking trigger enabled and disabled, in interleaved blocks so a shared machine's noise hits both alike), and
/// the set of changed users a timed Sync-ProfileMigration then brings over.
/// </summary>
internal static class TransitionBenchmark
{
    private const int Block = 500;

    /// <summary>The first <paramref name="users"/> user ids that have at least one Profile.</summary>
    public static string ChangedUsersSql(int users) => $"""
        SELECT DISTINCT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id
        ORDER BY 1 LIMIT {users.ToString(CultureInfo.InvariantCulture)}
        """;

    /// <summary>
    /// <paramref name="writes"/> single-row updates of the blobs of the changed users, half with tracking and half
    /// without; returns the latencies in ms (p50, p99) of each.
    /// </summary>
    public static (double OnP50, double OnP99, double OffP50, double OffP99) AppWriteLatency(string cs, int users, int writes)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        var ids = new List<string>();
        using (var list = new NpgsqlCommand($"""SELECT p.id FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId" WHERE cp."userId" IN ({ChangedUsersSql(users)})""", c))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        using var update = new NpgsqlCommand("""UPDATE "Profile" SET data = @data::jsonb, "updatedAt" = now() WHERE id = @id""", c);
        var data = new NpgsqlParameter<string>("data", NpgsqlTypes.NpgsqlDbType.Text);
        var id = new NpgsqlParameter<string>("id", NpgsqlTypes.NpgsqlDbType.Text);
        update.Parameters.Add(data);
        update.Parameters.Add(id);
        update.Prepare();
        var on = new List<double>(writes / 2);
        var off = new List<double>(writes / 2);
        var random = new Random(7);
        var watch = new Stopwatch();
        try
        {
            for (var done = 0; done < writes; done += Block)
            {
                var tracked = done / Block % 2 == 0;
                Exec(c, $"""ALTER TABLE "Profile" {(tracked ? "ENABLE" : "DISABLE")} TRIGGER matchmade_record_change""");
                for (var i = 0; i < Block && done + i < writes; i++)
                {
                    id.TypedValue = ids[random.Next(ids.Count)];
                    data.TypedValue = $$"""{"name": "Bench {{i}}", "location": "City {{random.Next(1000)}}", "coreValues": ["honesty", "v{{i % 13}}"], "relationshipTimeline": "soon"}""";
                    watch.Restart();
                    update.ExecuteNonQuery();
                    watch.Stop();
                    (tracked ? on : off).Add(watch.Elapsed.TotalMilliseconds);
                }
            }
        }
        finally
        {
            Exec(c, """ALTER TABLE "Profile" ENABLE TRIGGER matchmade_record_change""");
        }

        return (Percentile(on, 0.50), Percentile(on, 0.99), Percentile(off, 0.50), Percentile(off, 0.99));
    }

    /// <summary>Edits every blob of the changed users (tracked): a sync then has exactly those users to bring over.</summary>
    public static long ChangeUsers(string cs, int users)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var command = new NpgsqlCommand($$"""
            UPDATE "Profile" p SET data = CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}'::jsonb END || '{"benchmarkSync": true}', "updatedAt" = now()
            FROM "ContextProfile" cp WHERE cp.id = p."contextProfileId" AND cp."userId" IN ({{ChangedUsersSql(users)}})
            """, c);
        command.CommandTimeout = 0;
        return command.ExecuteNonQuery();
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        return values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
    }

    private static void Exec(NpgsqlConnection c, string sql)
    {
        using var command = new NpgsqlCommand(sql, c);
        command.ExecuteNonQuery();
    }
}
