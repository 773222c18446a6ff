namespace Matchmade.Core.Errors;

/// <summary>What kind of failure this is; the PowerShell layer maps it to an ErrorCategory.</summary>
public enum FailureKind
{
    InvalidArgument,
    ConnectionError,
    AuthenticationError,
    SecurityError,
    ObjectNotFound,
    InvalidData,
    ResourceBusy,
    PermissionDenied,
    OperationTimeout,
    OperationStopped,
    InvalidOperation,
    WriteError,
    ReadError,
}

/// <summary>
/// The one exception type the core lets escape. <see cref="ErrorId"/> is stable (scripts match on it);
/// the message says what to do and never contains a password.
/// </summary>
public sealed class MatchmadeException : Exception
{
    public MatchmadeException(string errorId, FailureKind kind, string message, Exception? inner = null, string? target = null)
        : base(message, inner is null ? null : new RedactedException(inner))
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }

    /// <summary>What the error is about (a table, a user id, a server) for ErrorRecord.TargetObject.</summary>
    public string? Target { get; }
}

/// <summary>
/// Keeps the type and message of the underlying failure (for -Debug and $Error[0].Exception.InnerException) while
/// guaranteeing no secret leaks: driver messages are passed through <see cref="Secrets.Scrub"/>.
/// </summary>
public sealed class RedactedException : Exception
{
    public RedactedException(Exception inner)
        : base($"{inner.GetType().Name}: {Secrets.Scrub(inner.Message)}")
    {
        OriginalType = inner.GetType().FullName ?? inner.GetType().Name;
        SqlState = (inner as Npgsql.PostgresException)?.SqlState;
    }

    public string OriginalType { get; }
    public string? SqlState { get; }
}
