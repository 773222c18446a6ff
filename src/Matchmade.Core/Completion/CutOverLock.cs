using System.Diagnostics;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Takes one of the cut-over's table locks inside its transaction without letting the app queue behind a long wait:
/// each attempt waits at most lock_timeout; a timed-out attempt is rolled back to a savepoint (the transaction's work
/// so far is kept) and retried after a jittered pause, in which the app's queued statements run.
/// </summary>
internal static class CutOverLock
{
    public static (TimeSpan Waited, int Retries) Take(NpgsqlConnection connection, NpgsqlTransaction transaction, string lockSql, string what, TimeSpan lockTimeout, int maxRetries, IOperationLog log, CancellationToken stop)
    {
        var watch = Stopwatch.StartNew();
        Db.SetLockTimeout(connection, transaction, lockTimeout);
        for (var attempt = 0; ; attempt++)
        {
            transaction.Save("matchmade_lock");
            try
            {
                Db.Execute(connection, transaction, lockSql);
                transaction.Release("matchmade_lock");
                return (watch.Elapsed, attempt);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable && attempt < maxRetries)
            {
                transaction.Rollback("matchmade_lock");
                var pause = TimeSpan.FromMilliseconds(Random.Shared.Next(50, 250 * (attempt + 2)));
                log.Warning($"The {what} was not granted within {lockTimeout.TotalSeconds:N1} s ({Secrets.Scrub(e.MessageText)}); the app's statements queued behind it run now; retry {attempt + 1} of {maxRetries} in {pause.TotalMilliseconds:N0} ms.");
                stop.WaitHandle.WaitOne(pause);
                stop.ThrowIfCancellationRequested();
            }
        }
    }

    public static long Count(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
