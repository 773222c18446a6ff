namespace Matchmade.Core.Connection;

/// <summary>
/// What the caller gave us. <see cref="ConnectionString"/> may be an Npgsql connection string or a
/// <c>postgresql://</c> URL (Prisma's DATABASE_URL); null means "use $env:DIRECT_URL if set, else $env:DATABASE_URL".
/// </summary>
public sealed record ConnectionRequest
{
    public string? ConnectionString { get; init; }
    public string? UserName { get; init; }
    public string? Password { get; init; }

    /// <summary>The app's schema; null = the URL's <c>?schema=</c>, else <c>public</c>.</summary>
    public string? Schema { get; init; }

    /// <summary>
    /// The folder relative file paths of the connection string (sslrootcert, sslidentity, sslkey; Root Certificate, SSL
    /// Certificate, SSL Key, Passfile) are relative to: the cmdlets pass PowerShell's current location, which is not the
    /// process's working directory. Null: the process's working directory.
    /// </summary>
    public string? BaseDirectory { get; init; }

    /// <summary>
    /// At most this long to open the connection, whatever the connection string's Timeout or connect_timeout says (tab
    /// completion must not hang on a server that takes the connection and never answers). Null: the string's own.
    /// </summary>
    public TimeSpan? MaxConnectTimeout { get; init; }

    /// <summary>The module's own schema for run history and state.</summary>
    public string StateSchema { get; init; } = DefaultStateSchema;

    public const string DefaultStateSchema = "matchmade";
    public const string EnvironmentVariable = "DATABASE_URL";

    /// <summary>Prisma's directUrl convention: the connection that bypasses the pooler; preferred over DATABASE_URL.</summary>
    public const string DirectEnvironmentVariable = "DIRECT_URL";
}
