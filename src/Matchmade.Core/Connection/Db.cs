using System.Globalization;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>
/// The module's few plain statements, said once: run a statement, read a column of names or ids, open the read-only snapshot every read-only pass
/// uses, set lock_timeout, turn the JIT off. Values never go through here (they are parameters); only fixed SQL and numbers.
/// </summary>
internal static class Db
{
    public static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
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
    /// Turns off the planner's JIT compilation for the session (or, in <paramref name="transaction"/>, for it): the
    /// sync's statements are index probes per changed user or record whose cost estimates still pass jit_above_cost,
    /// and compiling them took longer than running them. Measured on a 1,000,000-user database: the claim of 24,636
    /// change records spent 117 ms of its 199 ms in the JIT, the pending count after the sync 79 of its 80 ms, both
    /// with nothing else to overlap them.
    /// </summary>
    public static void TurnOffJit(NpgsqlConnection connection, NpgsqlTransaction? transaction) =>
        Execute(connection, transaction, transaction is null ? "SET jit = off" : "SET LOCAL jit = off");

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
