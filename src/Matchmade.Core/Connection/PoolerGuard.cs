using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>
/// Refuses a connection that does not keep its server session from one transaction to the next: PgBouncer (or any
/// pooler) in transaction or statement pooling mode. Such a connection breaks the run lock (a session-level advisory
/// lock) both ways: a second run is not excluded, and the lock can stay behind on a pooled server session. Prisma's
/// <c>pgbouncer=true</c> is only a hint; the proof is the server's behaviour, checked before anything is written.
/// </summary>
public static class PoolerGuard
{
    public const string ErrorId = ErrorIds.PooledConnection;

    // A direct (or session-pooled) connection answers SELECT pg_backend_pid() at once; only a pooler makes it wait.
    private const int AnswerSeconds = 10;

    // How many other transactions try to take the probe's server session (a pooler hands out the most recently
    // released one first by default, so the first usually does).
    private const int Takers = 3;

    /// <summary>
    /// Throws <see cref="ErrorId"/> unless a connection keeps its server session. The probe: connection A asks for
    /// its backend pid, then other connections open transactions (on a transaction pooler one of them is given A's
    /// server, which is then busy), then A asks again. On a direct or session-pooled connection A's pid never changes
    /// and no one else can ever be given it; through a transaction pooler A moves to another server (or waits for one).
    /// A statement pooler refuses the other connections' transactions outright.
    /// </summary>
    public static void EnsureSessionKept(DatabaseTarget target, string activity, CancellationToken cancellationToken)
    {
        try
        {
            Probe(target, activity, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw DbErrors.During(e, activity, target);
        }
    }

    private static void Probe(DatabaseTarget target, string activity, CancellationToken cancellationToken)
    {
        using var probe = target.Open(cancellationToken);
        var first = BackendPid(probe, null, 0);
        var takers = new List<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)>();
        try
        {
            for (var i = 0; i < Takers; i++)
            {
                var connection = target.Open(cancellationToken);
                NpgsqlTransaction transaction;
                int pid;
                try
                {
                    transaction = connection.BeginTransaction();
                    pid = BackendPid(connection, transaction, 0);
                }
                catch (Exception e) when (IsStatementPoolingRefusal(e))
                {
                    connection.Dispose();
                    throw Refusal(target, activity, "statement");
                }

                takers.Add((connection, transaction));
                if (pid == first)
                {
                    throw Refusal(target, activity, "transaction");
                }
            }

            int again;
            try
            {
                again = BackendPid(probe, null, AnswerSeconds);
            }
            catch (NpgsqlException e) when (e.InnerException is TimeoutException)
            {
                throw Refusal(target, activity, "transaction"); // waited for a free server session
            }

            if (again != first)
            {
                throw Refusal(target, activity, "transaction");
            }
        }
        finally
        {
            foreach (var (connection, transaction) in takers)
            {
                transaction.Dispose();
                connection.Dispose();
            }
        }
    }

    private static int BackendPid(NpgsqlConnection connection, NpgsqlTransaction? transaction, int timeoutSeconds)
    {
        using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection, transaction) { CommandTimeout = timeoutSeconds };
        return (int)command.ExecuteScalar()!;
    }

    // PgBouncer: "transaction blocks not allowed in statement pooling mode" (then it closes the client connection).
    private static bool IsStatementPoolingRefusal(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner.Message.Contains("statement pooling", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static MatchmadeException Refusal(DatabaseTarget target, string activity, string mode) => new(
        ErrorId,
        FailureKind.InvalidOperation,
        $"{activity} refused: {target.Display} (from {target.ConnectionSource}) goes through a connection pooler in {mode} pooling mode (PgBouncer{(target.PgBouncerHint ? "; the URL says pgbouncer=true" : string.Empty)}): "
        + "each transaction may run on a different server session, so the run lock could neither keep a second run out nor be sure to go away with this one. Nothing was written. "
        + "Connect to PostgreSQL directly: set $env:DIRECT_URL to the direct connection (Prisma's directUrl) or pass -ConnectionString with the server's own host and port. PgBouncer in session pooling mode works too.",
        target: target.Display);
}
