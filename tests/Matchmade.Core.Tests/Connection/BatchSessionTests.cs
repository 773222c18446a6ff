using Matchmade.Core.Connection;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Core.Tests.Connection;

/// <summary>
/// The settings of the module's batch sessions (Db.ForBatchWork): a statement the planner would hand to parallel
/// workers runs without them, and JIT is off, for the session and, in a transaction, for that transaction only.
/// </summary>
public sealed class BatchSessionTests : IDisposable
{
    // Costs that make the planner pick parallel workers for any scan, so the test does not depend on table sizes.
    private const string ParallelAlways = "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2";
    private const string Query = "EXPLAIN SELECT count(*) FROM \"User\"";

    private readonly string connectionString = TestServer.Shared.CreateDatabase("batch_session");

    public void Dispose() => TestServer.Shared.DropDatabase(connectionString);

    [Fact]
    public void A_batch_session_plans_without_parallel_workers_or_JIT()
    {
        using var connection = Open();
        Assert.Contains("Gather", Plan(connection, null)); // the costs above do ask for workers

        Db.ForBatchWork(connection, null);

        Assert.DoesNotContain("Gather", Plan(connection, null));
        Assert.Equal("off", Show(connection, "jit"));
    }

    [Fact]
    public void In_a_transaction_the_settings_end_with_it()
    {
        using var connection = Open();
        using (var transaction = connection.BeginTransaction())
        {
            Db.ForBatchWork(connection, transaction);
            Assert.DoesNotContain("Gather", Plan(connection, transaction));
            transaction.Commit();
        }

        Assert.Contains("Gather", Plan(connection, null));
        Assert.Equal("on", Show(connection, "jit"));
    }

    private NpgsqlConnection Open()
    {
        var connection = DbAssert.Open(connectionString);
        Db.Execute(connection, null, "SET jit = on; " + ParallelAlways);
        return connection;
    }

    private static string Plan(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        using var command = new NpgsqlCommand(Query, connection, transaction);
        return string.Join('\n', Db.Strings(command, new List<string>()));
    }

    private static string Show(NpgsqlConnection connection, string setting) => DbAssert.Scalar<string>(connection, $"SHOW {setting}");
}
