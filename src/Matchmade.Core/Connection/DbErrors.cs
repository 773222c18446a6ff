using System.Net.Sockets;
using System.Security.Authentication;
using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>Maps driver and server failures to stable error ids with advice. One place, used by every operation.</summary>
public static class DbErrors
{
    public static MatchmadeException OnOpen(Exception e, DatabaseTarget target)
    {
        var where = target.Display;
        if (e is PostgresException pg)
        {
            return pg.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword => new(ErrorIds.AuthenticationFailed, FailureKind.AuthenticationError,
                    $"PostgreSQL refused the password for user '{target.UserName}' at {target.Host}:{target.Port}. Check the password (-Credential, or the URL's user:password part) and try again.", e, where),
                PostgresErrorCodes.InvalidAuthorizationSpecification => new(ErrorIds.AuthenticationFailed, FailureKind.AuthenticationError,
                    $"PostgreSQL does not allow user '{target.UserName}' to connect to database '{target.Database}' from this host ({Secrets.Scrub(pg.MessageText)}). Ask the DBA for a pg_hba.conf entry or use another role.", e, where),
                PostgresErrorCodes.InvalidCatalogName => new(ErrorIds.DatabaseNotFound, FailureKind.ObjectNotFound,
                    $"Database '{target.Database}' does not exist on {target.Host}:{target.Port}. Check the database name in the connection string.", e, where),
                PostgresErrorCodes.TooManyConnections => new(ErrorIds.TooManyConnections, FailureKind.ResourceBusy,
                    $"{target.Host}:{target.Port} has no free connection slots. Try again later or raise max_connections.", e, where),
                PostgresErrorCodes.CannotConnectNow => new(ErrorIds.ServerStarting, FailureKind.ConnectionError,
                    $"The server at {target.Host}:{target.Port} is starting up or shutting down. Try again in a moment.", e, where),
                _ => new(ErrorIds.ConnectionFailed, FailureKind.ConnectionError,
                    $"Could not connect to {where}: {Secrets.Scrub(pg.MessageText)} (SQLSTATE {pg.SqlState}).", e, where),
            };
        }

        if (SpeaksSomethingElse(e))
        {
            return new(ErrorIds.NotPostgreSQL, FailureKind.ConnectionError,
                $"{target.Host}:{target.Port} answered, but not as PostgreSQL does: this port does not speak PostgreSQL (another service listens there?). Check the port (PostgreSQL's default is 5432) and the host in the connection string.", e, where);
        }

        if (Find<AuthenticationException>(e) is not null || e.Message.Contains("SSL", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
        {
            return new(ErrorIds.TlsFailed, FailureKind.SecurityError,
                $"The TLS connection to {target.Host}:{target.Port} failed: {Reason(e)}. Check sslmode, the CA certificate (sslrootcert / Prisma's sslcert) and that the host name matches the server's certificate.", e, where);
        }

        if (Find<SocketException>(e) is { } socket)
        {
            var reason = socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "the connection was refused (is PostgreSQL running and listening on that port?)",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name could not be resolved",
                SocketError.TimedOut => "the connection timed out",
                _ => Secrets.Scrub(socket.Message),
            };
            return new(ErrorIds.HostUnreachable, FailureKind.ConnectionError,
                $"Could not reach PostgreSQL at {target.Host}:{target.Port}: {reason}. Check the host and port, and that a firewall lets you through.", e, where);
        }

        if (Find<TimeoutException>(e) is not null)
        {
            return new(ErrorIds.ConnectTimeout, FailureKind.OperationTimeout,
                $"Connecting to {target.Host}:{target.Port} timed out. Check the host and port, or raise connect_timeout.", e, where);
        }

        return new(ErrorIds.ConnectionFailed, FailureKind.ConnectionError,
            $"Could not connect to {where}: {Secrets.Scrub(Innermost(e).Message)}", e, where);
    }

    /// <summary>Maps a failure during an operation (after the connection was open).</summary>
    public static MatchmadeException During(Exception e, string activity, DatabaseTarget target)
    {
        if (e is MatchmadeException me)
        {
            return me;
        }

        if (Find<PostgresException>(e) is { } pg)
        {
            var text = Secrets.Scrub(pg.MessageText);
            return pg.SqlState switch
            {
                PostgresErrorCodes.InsufficientPrivilege => new(ErrorIds.PermissionDenied, FailureKind.PermissionDenied,
                    $"{activity} needs a privilege the role '{target.UserName}' lacks: {text}. See docs/permissions.md for the grants each command needs.", e, target.Display),
                PostgresErrorCodes.LockNotAvailable => new(ErrorIds.LockTimeout, FailureKind.ResourceBusy,
                    $"{activity} could not get a lock within lock_timeout: {text}. Another session holds a lock on the table; retry later or raise -LockTimeoutSeconds.", e, target.Display),
                PostgresErrorCodes.QueryCanceled => new(ErrorIds.StatementTimeout, FailureKind.OperationTimeout,
                    $"{activity} was cancelled by the server (statement_timeout or a cancel request): {text}.", e, target.Display),
                PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow => new(ErrorIds.ConnectionLost, FailureKind.ConnectionError,
                    $"{activity} lost its connection: the server terminated it ({text}). Re-run the command: work committed so far is kept.", e, target.Display),
                PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected => new(ErrorIds.SerializationFailure, FailureKind.ResourceBusy,
                    $"{activity} failed on a serialization failure or deadlock: {text}. Re-run the command.", e, target.Display),
                PostgresErrorCodes.ReadOnlySqlTransaction => new(ErrorIds.ReadOnlyTransaction, FailureKind.InvalidOperation,
                    $"{activity} tried to write in a read-only transaction: {text}.", e, target.Display),
                _ => new(ErrorIds.DatabaseError, FailureKind.InvalidOperation,
                    $"{activity} failed: {text} (SQLSTATE {pg.SqlState}).", e, target.Display),
            };
        }

        if (e is NpgsqlException or IOException or SocketException or TimeoutException)
        {
            return new(ErrorIds.ConnectionLost, FailureKind.ConnectionError,
                $"{activity} lost its connection to {target.Host}:{target.Port}: {Reason(e)}. Re-run the command: work committed so far is kept.", e, target.Display);
        }

        return new(ErrorIds.UnexpectedError, FailureKind.InvalidOperation, $"{activity} failed: {Secrets.Scrub(e.Message)}", e, target.Display);
    }

    /// <summary>
    /// Something listens on the port but does not speak PostgreSQL's protocol: it answered the SSL request with
    /// another byte, cut the TLS handshake short with bytes that are no TLS, or closed the connection (or sent bytes
    /// that are no PostgreSQL message) before the startup answer. A PostgreSQL server always answers with a message.
    /// </summary>
    private static bool SpeaksSomethingElse(Exception e)
    {
        if (Find<EndOfStreamException>(e) is not null)
        {
            return true;
        }

        for (var each = e; each is not null; each = each.InnerException)
        {
            if (each.Message.Contains("for SSLRequest", StringComparison.Ordinal) || each.Message.Contains("Unknown message code", StringComparison.Ordinal))
            {
                return true;
            }
        }

        // The peer hung up in the handshake (EOF, broken pipe, reset) or sent a non-TLS frame; a real TLS problem
        // (certificate, protocol version) is an AuthenticationException that says so instead.
        return e.Message.Contains("SSL handshake", StringComparison.Ordinal) && Innermost(e) switch
        {
            SocketException => true,
            IOException io => io.Message.Contains("EOF", StringComparison.Ordinal) || io.Message.Contains("frame", StringComparison.Ordinal) || io.Message.Contains("pipe", StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    /// <summary>True for failures worth retrying after a pause: lock timeouts, serialization failures, deadlocks.</summary>
    public static bool IsTransient(Exception e) =>
        Find<PostgresException>(e)?.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    /// <summary>
    /// True when the data of the statement broke it (a value the column refuses, a constraint, a row too large):
    /// SQLSTATE classes 22, 23 and 54. A batch that fails so is redone user by user.
    /// </summary>
    public static bool IsDataError(PostgresException e) => DataErrorClasses.Contains(e.SqlState[..2], StringComparer.Ordinal);

    private static readonly string[] DataErrorClasses =
        [PostgresErrorCodes.DataException[..2], PostgresErrorCodes.IntegrityConstraintViolation[..2], PostgresErrorCodes.ProgramLimitExceeded[..2]];

    private static T? Find<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>The innermost message, scrubbed, without its closing full stop (the sentence around it has one).</summary>
    private static string Reason(Exception e) => Secrets.Scrub(Innermost(e).Message).TrimEnd().TrimEnd('.');

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
