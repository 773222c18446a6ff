using System.Reflection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>
/// The one connection factory: every connection the module opens comes from here, identified by application_name,
/// with its failures turned into <see cref="MatchmadeException"/>s that say what to do.
/// </summary>
public sealed class DatabaseTarget : IDisposable
{
    private readonly NpgsqlDataSource dataSource;

    private DatabaseTarget(NpgsqlDataSource dataSource, NpgsqlConnectionStringBuilder builder, SchemaNames schemas, ConnectionStringParser.Parsed parsed, string source)
    {
        var ignored = parsed.IgnoredParameters;
        PgBouncerHint = parsed.PgBouncerHint;
        HasHostList = IsHostList(builder);
        SpreadsOverHosts = HasHostList && builder.LoadBalanceHosts && builder.TargetSessionAttributes is not ("read-write" or "primary");
        ConnectionSource = source;
        this.dataSource = dataSource;
        Schemas = schemas;
        Host = builder.Host ?? "localhost";
        Port = builder.Port;
        Database = builder.Database ?? builder.Username ?? string.Empty;
        UserName = builder.Username ?? Environment.UserName;
        IgnoredParameters = ignored;
        ConnectTimeoutSeconds = builder.Timeout;
    }

    public SchemaNames Schemas { get; }
    public string Host { get; }
    public int Port { get; }
    public string Database { get; }
    public string UserName { get; }

    /// <summary>Parameters of the URL that were accepted but have no effect (Prisma's pool settings).</summary>
    public IReadOnlyList<string> IgnoredParameters { get; }

    /// <summary>Where the connection string came from: -ConnectionString, $env:DIRECT_URL or $env:DATABASE_URL.</summary>
    public string ConnectionSource { get; }

    /// <summary>The URL has Prisma's <c>pgbouncer=true</c>: a hint that a transaction pooler is in the way (proof comes from <see cref="PoolerGuard"/>).</summary>
    public bool PgBouncerHint { get; }

    /// <summary>Several hosts (libpq's postgresql://a,b/db or Host=a,b): each connection goes to the first that answers, or to any with load balancing.</summary>
    public bool HasHostList { get; }

    /// <summary>
    /// A host list with load_balance_hosts=random and no target_session_attrs=read-write (or primary): each connection
    /// may go to another of the servers, a standby among them.
    /// </summary>
    public bool SpreadsOverHosts { get; }

    /// <summary>Where we are connected, for messages and reports: never contains the password.</summary>
    public string Display => $"{UserName}@{Host}:{Port}/{Database}";

    /// <summary>host:port, as outcomes, reports and results show where a run went (never a password).</summary>
    public string Server => $"{Host}:{Port}";

    /// <summary>How long opening a connection may take, in seconds (0: no limit): the string's connect_timeout or Timeout, else <see cref="DefaultConnectTimeoutSeconds"/>.</summary>
    public int ConnectTimeoutSeconds { get; }

    /// <summary>The module's connect timeout when the string sets none: shorter than Npgsql's 15 s, so a wrong host is said sooner.</summary>
    public const int DefaultConnectTimeoutSeconds = 10;

    public static string ModuleVersion { get; } =
        typeof(DatabaseTarget).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(DatabaseTarget).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static string ApplicationName { get; } = $"Matchmade {ModuleVersion}";

    /// <summary>The connection string's files as full paths, a relative one taken from <paramref name="folder"/> (the driver would read it from the process's).</summary>
    private static void ResolveFiles(NpgsqlConnectionStringBuilder builder, string folder)
    {
        builder.RootCertificate = Full(builder.RootCertificate);
        builder.SslCertificate = Full(builder.SslCertificate);
        builder.SslKey = Full(builder.SslKey);
        builder.Passfile = Full(builder.Passfile);
        string? Full(string? path) => string.IsNullOrEmpty(path) ? path : Path.GetFullPath(path, folder);
    }

    public static DatabaseTarget Create(ConnectionRequest request)
    {
        var (text, source) = Choose(request);
        var parsed = ConnectionStringParser.Parse(text);
        var builder = parsed.Builder;
        if (!string.IsNullOrEmpty(request.UserName))
        {
            builder.Username = request.UserName;
        }

        if (request.Password is not null)
        {
            Secrets.Register(request.Password);
            builder.Password = request.Password;
        }

        ResolveFiles(builder, request.BaseDirectory ?? Environment.CurrentDirectory);
        builder.ApplicationName = ApplicationName;
        builder.PersistSecurityInfo = false;
        builder.IncludeErrorDetail = false; // error details can echo row values (personal data)
        builder.CommandTimeout = 0;          // long COPYs and scans; runs are bounded by lock_timeout and cancellation instead
        builder.SearchPath = null;
        if (!IsHostList(builder))
        {
            // libpq takes target_session_attrs with one host too (psql's URLs often carry read-write); Npgsql refuses
            // it there. One host leaves nothing to choose, and a writing command refuses a standby anyway (RunLock).
            builder.TargetSessionAttributes = null;
        }

        if (!parsed.TimeoutGiven)
        {
            builder.Timeout = DefaultConnectTimeoutSeconds;
        }

        if (request.MaxConnectTimeout is { } cap)
        {
            var seconds = Math.Max(1, (int)cap.TotalSeconds);
            builder.Timeout = builder.Timeout == 0 ? seconds : Math.Min(builder.Timeout, seconds); // 0: no limit
        }

        var appSchema = !string.IsNullOrWhiteSpace(request.Schema) ? request.Schema : parsed.Schema;
        if (string.IsNullOrWhiteSpace(appSchema))
        {
            appSchema = "public";
        }

        var stateSchema = string.IsNullOrWhiteSpace(request.StateSchema) ? ConnectionRequest.DefaultStateSchema : request.StateSchema;
        if (string.Equals(appSchema, stateSchema, StringComparison.Ordinal))
        {
            throw new MatchmadeException(
                ErrorIds.StateSchemaIsAppSchema,
                FailureKind.InvalidArgument,
                $"The module's own schema must differ from the app's schema '{appSchema}', or Prisma would see drift; pick another -StateSchema.");
        }

        return new DatabaseTarget(Build(builder), builder, new SchemaNames(appSchema, stateSchema), parsed, source);
    }

    private static bool IsHostList(NpgsqlConnectionStringBuilder builder) => builder.Host?.Contains(',', StringComparison.Ordinal) == true;

    /// <summary>The data source; settings that each parse but do not go together (Npgsql checks them here) are InvalidConnectionString.</summary>
    private static NpgsqlDataSource Build(NpgsqlConnectionStringBuilder builder)
    {
        try
        {
            return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new MatchmadeException(ErrorIds.InvalidConnectionString, FailureKind.InvalidArgument,
                $"The connection string's settings do not go together: {Secrets.Scrub(e.Message)} Remove or change the setting it names.", e);
        }
    }

    /// <summary>
    /// -ConnectionString, else Prisma's directUrl ($env:DIRECT_URL: the connection that bypasses a pooler), else
    /// $env:DATABASE_URL; with where it came from (never the string itself: it may hold a password).
    /// </summary>
    private static (string Text, string Source) Choose(ConnectionRequest request)
    {
        if (request.ConnectionString is not null)
        {
            return (request.ConnectionString, "-ConnectionString");
        }

        foreach (var variable in new[] { ConnectionRequest.DirectEnvironmentVariable, ConnectionRequest.EnvironmentVariable })
        {
            var text = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrWhiteSpace(text))
            {
                return (text, "$env:" + variable);
            }
        }

        throw new MatchmadeException(
            ErrorIds.ConnectionStringMissing,
            FailureKind.InvalidArgument,
            $"No database given: pass -ConnectionString 'postgresql://USER@HOST:5432/DATABASE' or set the {ConnectionRequest.DirectEnvironmentVariable} or {ConnectionRequest.EnvironmentVariable} environment variable (Prisma's URLs work as is; {ConnectionRequest.DirectEnvironmentVariable}, the direct connection, is used first).");
    }

    /// <summary>
    /// Opens a connection, or throws a <see cref="MatchmadeException"/> that names the cause and the fix. A stop
    /// (Ctrl+C) ends the wait at once: a server or network that never answers would otherwise hold the cmdlet for the
    /// whole connect timeout.
    /// </summary>
    public NpgsqlConnection Open(CancellationToken cancellationToken = default)
    {
        var connection = dataSource.CreateConnection();
        try
        {
            if (cancellationToken.CanBeCanceled)
            {
                OpenUnlessStopped(connection, cancellationToken);
            }
            else
            {
                connection.Open();
            }

            return connection;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the connection is the abandoned attempt's to dispose (OpenUnlessStopped)
        }
        catch (Exception e)
        {
            connection.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            throw DbErrors.OnOpen(e, this);
        }
    }

    /// <summary>
    /// Npgsql's async open takes the token, but not every step of the startup honours it (the answer to its SSLRequest
    /// is awaited without it: a server that accepts the TCP connection and never answers held a stop for the whole
    /// connect timeout). So the wait itself is what the stop ends; the abandoned attempt runs out at its own timeout
    /// and disposes its connection then, never used.
    /// </summary>
    private static void OpenUnlessStopped(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var opening = connection.OpenAsync(cancellationToken);
        try
        {
            opening.Wait(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = opening.ContinueWith(_ => connection.Dispose(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            throw;
        }
        catch (AggregateException)
        {
            connection.Dispose(); // the open failed, or Npgsql cancelled it: its own exception is thrown below
        }

        opening.GetAwaiter().GetResult();
    }

    public void Dispose() => dataSource.Dispose();
}
