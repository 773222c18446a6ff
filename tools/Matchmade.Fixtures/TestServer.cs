using System.Collections.Concurrent;
using System.Security.Cryptography;
using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>
/// The server tests use: MATCHMADE_TEST_DATABASE_URL when set (a role that may CREATE DATABASE), otherwise a throwaway
/// LocalCluster started once per process and removed at exit. Fresh databases are cloned from a template that has
/// the old schema, so each test class gets its own database in milliseconds.
/// </summary>
public sealed class TestServer
{
    public const string EnvironmentVariable = "MATCHMADE_TEST_DATABASE_URL";

    private static readonly Lazy<TestServer> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly ConcurrentDictionary<string, Lazy<string>> templates = new(StringComparer.Ordinal);
    private readonly LocalCluster? cluster;

    private TestServer(string adminConnectionString, LocalCluster? cluster)
    {
        AdminConnectionString = adminConnectionString;
        this.cluster = cluster;
    }

    public static TestServer Shared => Instance.Value;

    public string AdminConnectionString { get; }

    /// <summary>The local cluster, when the tests started one (null with MATCHMADE_TEST_DATABASE_URL).</summary>
    public LocalCluster? Cluster => cluster;

    /// <summary>A new database with source.sql applied in <paramref name="schema"/>; returns its connection string.</summary>
    public string CreateDatabase(string namePrefix, string schema = "public")
    {
        var template = templates.GetOrAdd(schema, s => new Lazy<string>(() => CreateTemplate(s))).Value;
        return CloneDatabase(template, namePrefix);
    }

    /// <summary>A new database copied from <paramref name="template"/> (nobody may be connected to it); returns its connection string.</summary>
    public string CloneDatabase(string template, string namePrefix)
    {
        var name = Sanitize(namePrefix) + "_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        using var admin = new NpgsqlConnection(AdminConnectionString);
        admin.Open();
        // CREATE DATABASE ... TEMPLATE fails while another session is connected to the template: retry briefly.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Execute(admin, $"CREATE DATABASE {Quote(name)} TEMPLATE {Quote(template)}");
                break;
            }
            catch (PostgresException e) when (e.SqlState == "55006" && attempt < 50)
            {
                Thread.Sleep(100);
            }
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled); // the FORCE below ends them anyway; this keeps the pool from handing out dead ones
        }

        using var admin = new NpgsqlConnection(AdminConnectionString);
        admin.Open();
        Execute(admin, $"DROP DATABASE IF EXISTS {Quote(name!)} WITH (FORCE)");
    }

    private static TestServer Create()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new TestServer(ToConnectionString(configured), null);
        }

        var cluster = LocalCluster.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return new TestServer(cluster.ConnectionString(), cluster);
    }

    private string CreateTemplate(string schema)
    {
        var name = "mm_template_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            admin.Open();
            Execute(admin, $"CREATE DATABASE {Quote(name)}");
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = false };
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            SourceSchema.Apply(connection, schema);
        }

        if (cluster is null)
        {
            // A shared server: remove our templates when the process ends.
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                try
                {
                    using var admin = new NpgsqlConnection(AdminConnectionString);
                    admin.Open();
                    Execute(admin, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)");
                }
                catch (NpgsqlException)
                {
                }
            };
        }

        return name;
    }

    /// <summary>Accepts a postgresql:// URL or an Npgsql connection string.</summary>
    public static string ToConnectionString(string urlOrConnectionString)
    {
        if (!urlOrConnectionString.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) || !urlOrConnectionString.Contains("://", StringComparison.Ordinal))
        {
            return urlOrConnectionString;
        }

        var uri = new Uri(urlOrConnectionString);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Username = Uri.UnescapeDataString(user[0]),
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? Uri.UnescapeDataString(db) : "postgres",
        };
        if (user.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            if (kv.Length == 2 && kv[0].Equals("sslmode", StringComparison.OrdinalIgnoreCase) && Enum.TryParse<SslMode>(Uri.UnescapeDataString(kv[1]).Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out var sslMode))
            {
                builder.SslMode = sslMode;
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>The postgresql:// form of a connection string (what Prisma users have in DATABASE_URL).</summary>
    public static string ToUrl(string connectionString, string? schema = null)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var credentials = Uri.EscapeDataString(b.Username ?? "postgres") + (b.Password is null ? string.Empty : ":" + Uri.EscapeDataString(b.Password));
        var query = schema is null ? string.Empty : "?schema=" + Uri.EscapeDataString(schema);
        return $"postgresql://{credentials}@{b.Host}:{b.Port}/{Uri.EscapeDataString(b.Database ?? "postgres")}{query}";
    }

    private static string Sanitize(string prefix)
    {
        var clean = new string(prefix.ToLowerInvariant().Select(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '_').ToArray());
        return "mm_" + (clean.Length > 40 ? clean[..40] : clean);
    }

    private static string Quote(string identifier) => new NpgsqlCommandBuilder().QuoteIdentifier(identifier);

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
