using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>Who holds the run lock: enough for a DBA to find the session (and pg_terminate_backend it if need be).</summary>
public sealed record LockHolder(int Pid, string? ApplicationName, string? ClientAddress, DateTime? BackendStart, string? UserName)
{
    public override string ToString() =>
        $"pid {Pid}, application_name '{ApplicationName}', client {ClientAddress ?? "local socket"}, user {UserName}, connected since {BackendStart?.ToString("u", CultureInfo.InvariantCulture) ?? "?"}";
}

/// <summary>
/// One migration (or undo) at a time per database: a session-level advisory lock held on a connection of its own for
/// the whole run. The server drops it when the session ends, however the run ends (kill, terminate, restart).
/// That holds only when the connection keeps its server session: a transaction or statement pooler (PgBouncer) is
/// refused before the lock is taken (<see cref="PoolerGuard"/>); a session pooler gives the run one server session
/// for its whole connection, and resets it (DISCARD ALL, PgBouncer's default server_reset_query) when the run ends.
/// </summary>
public sealed class RunLock : IDisposable
{
    // Two int4 keys: ("MM", "migr"). Any other tool can see it in pg_locks (locktype advisory, objsubid 2).
    public const int ClassId = 0x4D4D;
    public const int ObjectId = 0x6D696772;

    private RunLock(NpgsqlConnection connection) => Connection = connection;

    /// <summary>The lock's own session; also used for run-history bookkeeping outside the batch transactions.</summary>
    public NpgsqlConnection Connection { get; }

    /// <param name="writes">False for a look that writes nothing (-WhatIf), which a standby can serve.</param>
    public static RunLock Acquire(DatabaseTarget target, string activity, CancellationToken cancellationToken, bool writes = true)
    {
        if (writes && target.SpreadsOverHosts)
        {
            // The lock's session and the workers' could be on different servers: the lock would exclude nothing, and a
            // worker on a standby would fail its writes. Refused before any connection.
            throw new MatchmadeException(
                ErrorIds.InvalidConnectionString,
                FailureKind.InvalidArgument,
                $"{activity} refused: {target.Display} (from {target.ConnectionSource}) lists several hosts with load_balance_hosts=random and no target_session_attrs=read-write, so each of the run's connections could go to another server, a standby among them. Nothing was written. Add target_session_attrs=read-write (or primary) to the URL, or drop load_balance_hosts.",
                target: target.Display);
        }

        PoolerGuard.EnsureSessionKept(target, activity, cancellationToken);

        var connection = target.Open(cancellationToken);
        try
        {
            if (writes)
            {
                RefuseStandby(connection, target, activity);
            }

            Db.KeepWhileIdle(connection); // idle for the whole run: the lock goes with the session
            using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@class_id, @object_id)", connection);
            command.Parameters.AddWithValue("class_id", ClassId);
            command.Parameters.AddWithValue("object_id", ObjectId);
            if ((bool)command.ExecuteScalar()!)
            {
                return new RunLock(connection);
            }

            var holder = FindHolder(connection);
            throw new MatchmadeException(
                ErrorIds.MigrationInProgress,
                FailureKind.ResourceBusy,
                $"{activity} refused: another Matchmade run holds the lock on database '{target.Database}' ({holder?.ToString() ?? "the holder has just gone; try again"}). Wait for it to finish, or stop it (Ctrl+C in its shell, or SELECT pg_terminate_backend(pid) as a DBA); its completed batches are kept.",
                target: target.Display);
        }
        catch (Exception e)
        {
            connection.Dispose();
            throw DbErrors.During(e, activity, target);
        }
    }

    /// <summary>
    /// A hot standby (a replica's URL, or names swapped by a failover) takes the lock but can write nothing, and its
    /// lock does not keep a run on the primary out: refuse before anything, rather than fail on the first write.
    /// </summary>
    private static void RefuseStandby(NpgsqlConnection connection, DatabaseTarget target, string activity)
    {
        using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
        if ((bool)command.ExecuteScalar()!)
        {
            // A host list takes the first host that answers, standby or not.
            var advice = target.HasHostList
                ? $"Of the hosts given, {connection.Host}:{connection.Port} answered: add target_session_attrs=read-write to the URL (Target Session Attributes=primary in an Npgsql string) so that the primary is chosen."
                : "Connect to the primary: pass its host in -ConnectionString or set $env:DIRECT_URL to it.";
            throw new MatchmadeException(
                ErrorIds.ReadOnlyTransaction,
                FailureKind.InvalidOperation,
                $"{activity} refused: {target.Display} (from {target.ConnectionSource}) is a standby (in recovery), which cannot be written, and a run lock there would not keep a run on the primary out. Nothing was written. {advice}",
                target: target.Display);
        }
    }

    public static LockHolder? FindHolder(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("lock-holder.sql"), connection);
        command.Parameters.AddWithValue("class_id", (long)ClassId);
        command.Parameters.AddWithValue("object_id", (long)ObjectId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new LockHolder(
                reader.GetInt32(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDateTime(3),
                reader.IsDBNull(4) ? null : reader.GetString(4))
            : null;
    }

    public void Dispose()
    {
        try
        {
            if (Connection.State == System.Data.ConnectionState.Open)
            {
                using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@class_id, @object_id)", Connection);
                command.Parameters.AddWithValue("class_id", ClassId);
                command.Parameters.AddWithValue("object_id", ObjectId);
                command.ExecuteNonQuery();
            }
        }
        catch (NpgsqlException)
        {
            // The session is gone, and the server released the lock with it.
        }
        finally
        {
            Connection.Dispose();
        }
    }
}
