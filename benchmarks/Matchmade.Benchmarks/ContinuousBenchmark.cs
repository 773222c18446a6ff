using System.Diagnostics;
using System.Globalization;
using Npgsql;

/// <summary>
/// Sync-ProfileMigration -Continuous under a steady app writer (issue 13): single-row blob edits at a fixed rate on a
/// connection of their own while the sync follows them for a fixed time; a sampler reads the age of the oldest pending
/// change (now() - min(changed_at)) every 250 ms. Target: the oldest pending change stays under twice the interval.
/// </summary>
internal sealed class ContinuousBenchmark : IDisposable
{
    public const string Phase = "-Continuous under a writer";
    private const int WritesPerSecond = 200;
    private const int IntervalSeconds = 2;
    private const int Seconds = 20;

    private readonly CancellationTokenSource stop = new();
    private readonly List<double> ages = [];
    private readonly Thread writer;
    private readonly Thread sampler;
    private long writes;

    private ContinuousBenchmark(string cs, int users)
    {
        writer = new Thread(() => Write(cs, users));
        sampler = new Thread(() => Sample(cs));
        writer.Start();
        sampler.Start();
    }

    /// <summary>The phase's script: follows for a fixed time; UsersMigrated = users re-synced.</summary>
    public static string Script => string.Create(CultureInfo.InvariantCulture,
        $"$s = Sync-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Continuous -IntervalSeconds {IntervalSeconds} -Until ([datetime]::UtcNow.AddSeconds({Seconds})) -Confirm:$false; [pscustomobject]@{{ UsersMigrated = $s.UsersResynced + $s.UsersCreated; Status = $s.Status }}");

    /// <summary>Starts the writer (edits among the first <paramref name="users"/> changed users' blobs) and the sampler.</summary>
    public static ContinuousBenchmark Start(string cs, int users) => new(cs, users);

    /// <summary>Stops both; the figures as one line.</summary>
    public string Finish()
    {
        stop.Cancel();
        writer.Join();
        sampler.Join();
        ages.Sort();
        var max = ages.Count == 0 ? 0 : ages[^1];
        var p95 = ages.Count == 0 ? 0 : ages[Math.Min(ages.Count - 1, (int)Math.Ceiling(0.95 * ages.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"-Continuous -IntervalSeconds {IntervalSeconds} for {Seconds} s under {writes / (double)Seconds:N0} writes/s (target {WritesPerSecond}): oldest pending change p95 {p95:N2} s, max {max:N2} s over {ages.Count} samples (target < {2 * IntervalSeconds} s).");
    }

    public void Dispose()
    {
        if (!stop.IsCancellationRequested)
        {
            Finish();
        }

        stop.Dispose();
    }

    private void Write(string cs, int users)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        var ids = TransitionBenchmark.ProfileIds(c, users);
        using var update = new NpgsqlCommand("""UPDATE "Profile" SET data = jsonb_set(CASE WHEN jsonb_typeof(data) = 'object' THEN data ELSE '{}' END, '{location}', to_jsonb(@location)), "updatedAt" = now() WHERE id = @id""", c);
        var location = update.Parameters.Add(new NpgsqlParameter<string>("location", NpgsqlTypes.NpgsqlDbType.Text));
        var id = update.Parameters.Add(new NpgsqlParameter<string>("id", NpgsqlTypes.NpgsqlDbType.Text));
        update.Prepare();
        var random = new Random(11);
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            // Paced by the clock, not by sleeps, so a slow write is caught up on rather than lost.
            var due = TimeSpan.FromSeconds(writes / (double)WritesPerSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                Thread.Sleep(due);
            }

            id.Value = ids[random.Next(ids.Count)];
            location.Value = "City " + random.Next(1000).ToString(CultureInfo.InvariantCulture);
            update.ExecuteNonQuery();
            writes++;
        }
    }

    private void Sample(string cs)
    {
        using var c = new NpgsqlConnection(cs);
        c.Open();
        using var age = new NpgsqlCommand("SELECT coalesce(extract(epoch FROM clock_timestamp() - min(changed_at))::float8, 0) FROM matchmade.changed_user", c);
        while (!stop.Token.WaitHandle.WaitOne(250))
        {
            ages.Add((double)age.ExecuteScalar()!);
        }
    }
}
