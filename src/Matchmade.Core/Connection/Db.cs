using System.Globalization;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>
/// The module's few plain statements, said once: run a statement, read a column of names or ids, open the read-only snapshot every read-only pass
/// uses, set lock_timeout, set up a session for batch work (no JIT, no parallel workers). Values never go through here (they are parameters); only fixed SQL and numbers.
/// </summary>
internal static class Db
{
    public static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs <paramref name="statements"/> one command each, in order, with the same parameters (each statement binds
    /// those it names). Sent as one command, Npgsql would write every statement after the first from the thread pool
    /// (its deadlock avoidance for synchronous callers, at most half the cores at a time), where a batch's merge queues a
    /// work item per user: the server then waits for the rest of the command. A sync with two workers spent about a
    /// quarter of its writers' time so (pg_stat_activity: ClientRead).
    /// </summary>
    public static void ExecuteEach(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyList<string> statements, Action<NpgsqlParameterCollection>? parameters = null)
    {
        using var command = new NpgsqlCommand(null, connection, transaction);
        parameters?.Invoke(command.Parameters);
        foreach (var statement in statements)
        {
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Runs <paramref name="command"/> and adds each row's first column (text) to <paramref name="into"/>, which it returns.</summary>
    public static T Strings<T>(NpgsqlCommand command, T into)
        where T : ICollection<string>
    {
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            into.Add(reader.GetString(0));
        }

        return into;
    }

    /// <summary>
    /// One REPEATABLE READ, READ ONLY transaction: every statement in it sees the same snapshot, and the server itself
    /// refuses any write (the dry run, Test-MigrationIntegrity, Get-ProfileMigrationStatus).
    /// </summary>
    public static NpgsqlTransaction BeginReadOnlySnapshot(NpgsqlConnection connection)
    {
        var transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        try
        {
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            return transaction;
        }
        catch
        {
            transaction.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Settings for a session (or, in <paramref name="transaction"/>, a transaction) that runs the module's batch
    /// statements: index probes and range reads bounded by a batch, which the planner would otherwise sometimes compile
    /// or hand to parallel workers.
    /// <list type="bullet">
    /// <item>No JIT: the sync's probes pass jit_above_cost on their estimates, and compiling them took longer than running
    /// them. Measured on a 1,000,000-user database: the claim of 24,636 change records spent 117 ms of its 199 ms in the
    /// JIT, the pending count after the sync 79 of its 80 ms.</item>
    /// <item>No parallel workers: a batch's read of the old rows (batch-contexts.sql) was planned as a Gather Merge with one
    /// or two workers from about 1,000 users on, so every batch started processes of its own and took them from the
    /// server's pool (max_parallel_workers), which the app's queries share. Without them, syncs of 10,000 changed users
    /// in a 1,000,000-user database cost the server 9–11 % less CPU (docs/performance.md, eleventh session).</item>
    /// </list>
    /// </summary>
    public static void ForBatchWork(NpgsqlConnection connection, NpgsqlTransaction? transaction) =>
        Execute(connection, transaction, transaction is null
            ? "SET jit = off; SET max_parallel_workers_per_gather = 0"
            : "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0");

    /// <summary>
    /// For a session the run holds open while it idles (the run lock's for the whole run, a worker's between batches or
    /// while a standby catches up): exempt from idle_session_timeout (PostgreSQL 14+), which a DBA sets to reap idle
    /// connections. Ended by it, the run lock's session took the lock with it mid-run (a second run could start) and the
    /// run's end could not be recorded. Older servers do not know the setting and end no idle session.
    /// </summary>
    public static void KeepWhileIdle(NpgsqlConnection connection)
    {
        if (connection.PostgreSqlVersion.Major >= 14)
        {
            Execute(connection, null, "SET idle_session_timeout = 0");
        }
    }

    /// <summary>
    /// How long a statement waits for a lock the app holds before it fails (and the step is retried or reported):
    /// for the session, or with <paramref name="transaction"/> for that transaction only (SET LOCAL).
    /// </summary>
    public static void SetLockTimeout(NpgsqlConnection connection, NpgsqlTransaction? transaction, TimeSpan timeout)
    {
        var milliseconds = ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        Execute(connection, transaction, transaction is null ? $"SET lock_timeout = {milliseconds}" : $"SET LOCAL lock_timeout = {milliseconds}");
    }
}
