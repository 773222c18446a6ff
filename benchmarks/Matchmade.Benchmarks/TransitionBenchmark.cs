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
    private const int Block = 50;

    /// <summary>The first <paramref name="users"/> user ids that have at least one Profile.</summary>
    public static string ChangedUsersSql(int users) => $"""
        SELECT DISTINCT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id
        ORDER BY 1 LIMIT {users.ToString(CultureInfo.InvariantCulture)}
        """;

    /// <summary>The Profile ids of the changed users: the rows the app's writes edit.</summary>
    public static List<string> ProfileIds(NpgsqlConnection c, int users)
    {
        var ids = new List<string>();
        using var list = new NpgsqlCommand($"""SELECT p.id FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId" WHERE cp."userId" IN ({ChangedUsersSql(users)})""", c);
        using var reader = list.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>
    /// <paramref name="writes"/> single-row updates of the blobs of the changed users, half with tracking and half
    /// without, in alternating blocks of 50 after two untimed warm-up blocks of each. Besides the client's latency it splits
    /// where the time goes: the server's execution of the UPDATE (pg_stat_statements) and the commit's WAL write and
    /// flush (pg_stat_wal with track_wal_io_timing) and the WAL written (bytes, from the WAL position), each as deltas
    /// over the blocks of one kind.
    /// </summary>
    public static AppWriteFigures AppWriteLatency(string cs, int users, int writes)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        Exec(c, "SET track_wal_io_timing = on");
        var ids = ProfileIds(c, users);

        using var update = new NpgsqlCommand("""UPDATE "Profile" SET data = @data::jsonb, "updatedAt" = now() WHERE id = @id""", c);
        var data = new NpgsqlParameter<string>("data", NpgsqlTypes.NpgsqlDbType.Text);
        var id = new NpgsqlParameter<string>("id", NpgsqlTypes.NpgsqlDbType.Text);
        update.Parameters.Add(data);
        update.Parameters.Add(id);
        update.Prepare();
        var on = new Side();
        var off = new Side();
        var random = new Random(7);
        var watch = new Stopwatch();
        try
        {
            // Blocks -4 to -1: warm-up (plans, caches, the first page of the change table), not counted. Short blocks
            // so that the shared machine's changing load falls on both kinds alike.
            for (var block = -4; block * Block < writes; block++)
            {
                var tracked = block % 2 == 0;
                Exec(c, $"""ALTER TABLE "Profile" {(tracked ? "ENABLE" : "DISABLE")} TRIGGER matchmade_record_change""");
                var side = block < 0 ? null : tracked ? on : off;
                var before = ServerCounters(c);
                for (var i = 0; i < Block && Math.Max(block, 0) * Block + i < writes; i++)
                {
                    id.TypedValue = ids[random.Next(ids.Count)];
                    data.TypedValue = $$"""{"name": "Bench {{i}}", "location": "City {{random.Next(1000)}}", "coreValues": ["honesty", "v{{i % 13}}"], "relationshipTimeline": "soon"}""";
                    watch.Restart();
                    update.ExecuteNonQuery();
                    watch.Stop();
                    side?.Latencies.Add(watch.Elapsed.TotalMilliseconds);
                }

                var after = ServerCounters(c);
                side?.Add(after.Exec - before.Exec, after.Wal - before.Wal, after.WalBytes - before.WalBytes);
            }
        }
        finally
        {
            Exec(c, """ALTER TABLE "Profile" ENABLE TRIGGER matchmade_record_change""");
        }

        return new AppWriteFigures(on.Figures(), off.Figures());
    }

    /// <summary>
    /// The UPDATE's total server execution time and the WAL write plus flush time so far, in ms, and the WAL position in
    /// bytes (the WAL written between two reads: load-independent, unlike the times).
    /// </summary>
    private static (double Exec, double Wal, double WalBytes) ServerCounters(NpgsqlConnection c)
    {
        using var command = new NpgsqlCommand("""
            SELECT (SELECT coalesce(sum(total_exec_time), 0) FROM pg_stat_statements WHERE query LIKE 'UPDATE "Profile" SET data = $1::jsonb%'),
                   (SELECT wal_write_time + wal_sync_time FROM pg_stat_wal),
                   (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::float8
            """, c);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2));
    }

    /// <summary>
    /// Edits every blob of the changed users (tracked): a sync then has exactly those users to bring over. The edit adds
    /// a key no rule maps; after <see cref="AppWriteLatency"/>'s writes (whole blobs with new values) most of those users'
    /// rows differ, and the same edit made again is a re-save that changes nothing the rows carry.
    /// </summary>
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

    /// <summary>
    /// Edits the blobs of the changed users so that every one's rows differ: each object blob gets its context's own
    /// first field (the one its ContextIntent carries) set to a value it has not had, numbered by <paramref name="edit"/>.
    /// </summary>
    public static long EditUsers(string cs, int users, int edit)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var command = new NpgsqlCommand($$"""
            UPDATE "Profile" p SET data = p.data || jsonb_build_object(CASE cp."contextType"::text WHEN 'romantic' THEN 'relationshipTimeline'
                WHEN 'friendship' THEN 'friendshipDepth' WHEN 'professional' THEN 'partnershipType' WHEN 'creative' THEN 'creativeType' ELSE 'serviceType' END,
                'benchmark edit ' || @edit), "updatedAt" = now()
            FROM "ContextProfile" cp WHERE cp.id = p."contextProfileId" AND jsonb_typeof(p.data) = 'object' AND cp."userId" IN ({{ChangedUsersSql(users)}})
            """, c);
        command.Parameters.AddWithValue("edit", edit.ToString(CultureInfo.InvariantCulture));
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

    /// <summary>One kind of block's measurements.</summary>
    private sealed class Side
    {
        public List<double> Latencies { get; } = [];

        private double exec;
        private double wal;
        private double walBytes;

        public void Add(double execMs, double walMs, double bytes)
        {
            exec += execMs;
            wal += walMs;
            walBytes += bytes;
        }

        public WriteFigures Figures() => new(Latencies.Count, Percentile(Latencies, 0.50), Percentile(Latencies, 0.99),
            Latencies.Count == 0 ? 0 : exec / Latencies.Count, Latencies.Count == 0 ? 0 : wal / Latencies.Count, Latencies.Count == 0 ? 0 : walBytes / Latencies.Count);
    }
    private static void Exec(NpgsqlConnection c, string sql)
    {
        using var command = new NpgsqlCommand(sql, c);
        command.ExecuteNonQuery();
    }
}

/// <summary>Latency of one kind of write: client p50/p99, the means of server execution and WAL write+flush in ms, and of the WAL written in bytes.</summary>
internal sealed record WriteFigures(int Writes, double P50, double P99, double ExecMean, double WalMean, double WalBytes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"p50 {P50:N3} ms, p99 {P99:N3} ms (server execution {ExecMean:N3} ms, WAL write+flush {WalMean:N3} ms, WAL {WalBytes:N0} bytes per write)");
}

/// <summary>The app's write latency with tracking on and off, and the p50 overhead.</summary>
internal sealed record AppWriteFigures(WriteFigures On, WriteFigures Off)
{
    public double P50Overhead => Off.P50 > 0 ? 100 * (On.P50 / Off.P50 - 1) : 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"App write latency, single-row UPDATE \"Profile\" through Npgsql, {On.Writes + Off.Writes:N0} writes in alternating blocks: tracking on {On}; off {Off}; p50 overhead {P50Overhead:N1} %.");
}
