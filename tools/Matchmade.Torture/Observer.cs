using System.Diagnostics;
using Matchmade.Tests.Shared;
using Npgsql;

/// <summary>
/// Checks again and again, each time in one snapshot, that no user has a ProfileNew without all its ContextIntents
/// or a ContextIntent without its ProfileNew. Reconnects when the server restarts or the tables are not there yet.
/// </summary>
internal sealed class Observer
{
    private const string Sql = $"""
        SELECT ({DbAssert.HalfMigratedRowsSql}),
               (SELECT count(*) FROM "ProfileNew") + (SELECT count(*) FROM "ContextIntent")
        """;

    private readonly string connectionString;
    private readonly Thread thread;
    private volatile bool stopping;
    private long checks, violations, rows;
    private string? firstViolation;

    public Observer(string connectionString)
    {
        this.connectionString = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "torture observer", Pooling = false }.ConnectionString;
        thread = new Thread(Loop) { IsBackground = true, Name = "observer" };
        thread.Start();
    }

    /// <summary>Checks completed so far.</summary>
    public long Checks => Interlocked.Read(ref checks);

    public (long Checks, long Violations, string? FirstViolation, long Rows) Stop()
    {
        // One last check on the final state, then stop.
        var target = Interlocked.Read(ref checks) + 1;
        var wait = Stopwatch.StartNew();
        while (Interlocked.Read(ref checks) < target && wait.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(20);
        }

        stopping = true;
        thread.Join();
        return (checks, violations, firstViolation, rows);
    }

    private void Loop()
    {
        while (!stopping)
        {
            try
            {
                using var connection = new NpgsqlConnection(connectionString);
                connection.Open();
                while (!stopping)
                {
                    using var command = new NpgsqlCommand(Sql, connection);
                    using var reader = command.ExecuteReader();
                    reader.Read();
                    var bad = reader.GetInt64(0);
                    Interlocked.Exchange(ref rows, reader.GetInt64(1));
                    if (bad > 0)
                    {
                        Interlocked.Increment(ref violations);
                        firstViolation ??= $"{bad} rows without their counterpart at {DateTime.UtcNow:HH:mm:ss.fff}";
                    }

                    Interlocked.Increment(ref checks);
                }
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or System.IO.IOException)
            {
                // The server is restarting, our backend was terminated, or the tables do not exist yet.
                Thread.Sleep(50);
            }
        }
    }
}
