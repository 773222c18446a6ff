using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Connection;

/// <summary>
/// Turns a Prisma-style <c>postgresql://</c> URL or an Npgsql connection string into a builder.
/// Error messages never echo the input: it may hold a password.
/// </summary>
internal static class ConnectionStringParser
{
    internal sealed record Parsed(NpgsqlConnectionStringBuilder Builder, string? Schema, IReadOnlyList<string> IgnoredParameters)
    {
        /// <summary>The URL says <c>pgbouncer=true</c> (Prisma's flag for a transaction pooler): a hint, never proof.</summary>
        public bool PgBouncerHint { get; init; }

        /// <summary>The string sets the connect timeout itself (connect_timeout, Timeout), even to Npgsql's default of 15 s.</summary>
        public bool TimeoutGiven { get; init; }
    }

    // libpq's target_session_attrs values, each also Npgsql's Target Session Attributes.
    private static readonly string[] TargetSessionAttributes = ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"];

    // Prisma's own knobs that mean nothing to a migration run; accepted so a DATABASE_URL can be pasted as is.
    private static readonly HashSet<string> PrismaOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size", "socket_timeout", "single_use_connections",
        "max_connection_lifetime", "max_idle_connection_lifetime",
    };

    public static Parsed Parse(string input)
    {
        var text = input.Trim();
        if (text.Length == 0)
        {
            throw Malformed("the connection string is empty");
        }

        return text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            ? ParseUrl(text)
            : ParseKeywords(text);
    }

    private static Parsed ParseKeywords(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            throw Malformed("only postgresql:// and postgres:// URLs are supported");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(text);
            Secrets.Register(builder.Password);
            string? schema = null;
            if (!string.IsNullOrWhiteSpace(builder.SearchPath))
            {
                schema = builder.SearchPath.Split(',')[0].Trim().Trim('"');
            }

            var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = text };
            return new Parsed(builder, schema, []) { TimeoutGiven = given.ContainsKey("Timeout") };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            throw Malformed(KeywordProblem(e, text));
        }
    }

    /// <summary>Says what is wrong in our words: the driver's text ("Couldn't set hots (Parameter 'hots')") is not for a DBA.</summary>
    private static string KeywordProblem(Exception e, string text) => e switch
    {
        ArgumentException { ParamName: { Length: > 0 } key } when !NpgsqlConnectionStringBuilderKnows(key) && FollowsAnUnquotedPassword(text, key) =>
            "a value given for Password has a ';' in it, which ends the value there (what follows was read as another keyword); quote the value, e.g. Password='…;…'",
        ArgumentException { ParamName: { Length: > 0 } key } when !NpgsqlConnectionStringBuilderKnows(key) =>
            $"'{key}' is not a keyword of an Npgsql connection string (a typo? e.g. Host, Port, Database, Username, Password, SSL Mode, Search Path)",
        ArgumentException { ParamName: { Length: > 0 } key } => $"the value of '{key}' is not valid",
        FormatException or ArgumentException => "it is neither a postgresql:// URL nor a list of keyword=value pairs separated by ';'",
        _ => $"a value has the wrong type ({e.GetType().Name})",
    };

    private static bool NpgsqlConnectionStringBuilderKnows(string key) => new NpgsqlConnectionStringBuilder().ContainsKey(key);

    /// <summary>
    /// Whether the unknown <paramref name="key"/> comes right after an unquoted password value: then it is most likely the
    /// rest of a password with a ';' in it, and must not be printed.
    /// </summary>
    private static bool FollowsAnUnquotedPassword(string text, string key) =>
        System.Text.RegularExpressions.Regex.IsMatch(
            text,
            @"\b(password|pwd|ssl\s*password)\s*=\s*[^;'""\s][^;]*;\s*" + System.Text.RegularExpressions.Regex.Escape(key) + @"\s*=",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    private static Parsed ParseUrl(string text)
    {
        var (single, hosts, port) = HostList(text);
        var uri = ToUri(single);
        var builder = new NpgsqlConnectionStringBuilder();
        ApplyAuthority(builder, uri);
        if (hosts is not null)
        {
            builder.Host = hosts;
            builder.Port = port ?? builder.Port;
        }

        var query = ApplyQuery(builder, uri.Query);
        if (string.IsNullOrEmpty(builder.Host))
        {
            builder.Host = "localhost";
        }

        return new Parsed(builder, query.Schema, query.Ignored) { PgBouncerHint = query.PgBouncerHint, TimeoutGiven = query.TimeoutGiven };
    }

    /// <summary>
    /// The hosts Uri cannot take, in libpq's URL forms: a host list (postgresql://user@db1:5433,db2/app: a primary and
    /// its standbys, as psql takes them), given to Npgsql as its own host list, each host with its port or the URL's
    /// (target_session_attrs then says which one to use); and a Unix-socket directory percent-encoded as the host
    /// (postgresql://user@%2Fvar%2Frun%2Fpostgresql:5433/app), with its port. The hosts are taken out and a stand-in
    /// parsed in their place. A ',' in the user part is not a list: the hosts are what follows the '@' and ends the
    /// authority. Null hosts: an ordinary URL.
    /// </summary>
    private static (string Url, string? Hosts, int? Port) HostList(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, "^([a-z]+://(?:[^/@]*@)?)([^/?#@]*,[^/?#@]*|%2F[^/?#@]*)((?:[/?#].*)?)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!match.Success)
        {
            return (text, null, null);
        }

        var url = match.Groups[1].Value + "localhost" + match.Groups[3].Value;
        var hosts = match.Groups[2].Value.Split(',');
        if (hosts.Any(h => h.Length == 0 || h.StartsWith(':')))
        {
            throw Malformed("a host of the URL's host list is empty; write each host, with its port if not the default: postgresql://USER@HOST1:5432,HOST2:5432/DATABASE");
        }

        if (hosts.Length > 1)
        {
            return (url, string.Join(",", hosts.Select(Uri.UnescapeDataString)), null);
        }

        // A socket directory (it has no ':' of its own once encoded): the port, if any, follows the last ':'.
        var colon = hosts[0].LastIndexOf(':');
        return colon < 0
            ? (url, Uri.UnescapeDataString(hosts[0]), null)
            : (url, Uri.UnescapeDataString(hosts[0][..colon]), ParseInt("port", hosts[0][(colon + 1)..]));
    }

    private static Uri ToUri(string text)
    {
        // libpq allows an empty host (postgresql://user@/db?host=/socket/dir); Uri does not, so give it a stand-in.
        var hostless = System.Text.RegularExpressions.Regex.IsMatch(text, "^[a-z]+://([^/@]*@)?/", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (hostless)
        {
            text = System.Text.RegularExpressions.Regex.Replace(text, "^([a-z]+://(?:[^/@]*@)?)/", "$1localhost/", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Scheme))
        {
            throw Malformed("the URL could not be parsed; expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE?schema=SCHEMA (percent-encode special characters in the password)");
        }

        return uri;
    }

    /// <summary>The user, password, host, port and database of the URL (its part before the query).</summary>
    private static void ApplyAuthority(NpgsqlConnectionStringBuilder builder, Uri uri)
    {
        var userInfo = uri.UserInfo;
        if (userInfo.Length > 0)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
                Secrets.Register(builder.Password);
                Secrets.Register(userInfo[(colon + 1)..]);
            }
        }

        if (!string.IsNullOrEmpty(uri.Host))
        {
            builder.Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : Uri.UnescapeDataString(uri.Host);
        }

        if (!uri.IsDefaultPort && uri.Port > 0)
        {
            builder.Port = uri.Port;
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Contains('/', StringComparison.Ordinal))
        {
            throw Malformed("the URL path must be just the database name");
        }

        if (path.Length > 0)
        {
            builder.Database = Uri.UnescapeDataString(path);
        }
    }

    private static UrlQuery ApplyQuery(NpgsqlConnectionStringBuilder builder, string queryText)
    {
        var query = new UrlQuery();
        foreach (var (key, value) in Query(queryText))
        {
            if (!ApplySsl(builder, query, key, value) && !ApplyParameter(builder, query, key, value))
            {
                throw Malformed($"the URL parameter '{key}' is not known; supported: schema, sslmode, sslaccept, sslcert, sslrootcert, sslidentity, sslkey, sslpassword, connect_timeout, host, port, options, target_session_attrs, load_balance_hosts (and Prisma's pool settings, which are ignored)");
            }
        }

        // After every parameter: Prisma reads sslmode (TLS or not) and sslaccept (check the certificate or not) each on
        // its own, so a later sslmode=require must not undo an earlier sslaccept=strict. Without TLS there is nothing to check.
        if (query.StrictCertificate && builder.SslMode is SslMode.Allow or SslMode.Prefer or SslMode.Require)
        {
            builder.SslMode = SslMode.VerifyFull;
        }

        return query;
    }

    /// <summary>A TLS parameter of the URL into the builder; false when the key is not one.</summary>
    private static bool ApplySsl(NpgsqlConnectionStringBuilder builder, UrlQuery query, string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "sslmode":
                builder.SslMode = SslModeOf(value);
                return true;
            case "sslaccept":
                if (value.Equals("strict", StringComparison.OrdinalIgnoreCase))
                {
                    query.StrictCertificate = true;
                }
                else if (!value.Equals("accept_invalid_certs", StringComparison.OrdinalIgnoreCase))
                {
                    throw Malformed($"sslaccept '{value}' is not one of strict, accept_invalid_certs");
                }

                return true;
            case "sslcert": // Prisma's sslcert is the server's CA certificate (libpq's sslrootcert).
            case "sslrootcert":
                builder.RootCertificate = value; // a relative path is the caller's (DatabaseTarget.ResolveFiles)
                return true;
            case "sslidentity": // Prisma: the client's PKCS#12 identity.
                builder.SslCertificate = value;
                return true;
            case "sslkey":
                builder.SslKey = value;
                return true;
            case "sslpassword":
                Secrets.Register(value);
                builder.SslPassword = value;
                return true;
            default:
                return false;
        }
    }

    private static SslMode SslModeOf(string value) => value.ToLowerInvariant() switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "prefer" => SslMode.Prefer,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => throw Malformed($"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
    };

    /// <summary>Any other parameter of the URL into the builder or the query's result; false when the key is not known.</summary>
    private static bool ApplyParameter(NpgsqlConnectionStringBuilder builder, UrlQuery query, string key, string value)
    {
        switch (key.ToLowerInvariant())
        {
            case "schema":
                query.Schema = value;
                return true;
            case "connect_timeout":
                builder.Timeout = ParseInt(key, value);
                query.TimeoutGiven = true;
                return true;
            case "host":
                builder.Host = value;
                return true;
            case "port":
                builder.Port = ParseInt(key, value);
                return true;
            case "options":
                builder.Options = value;
                return true;
            case "target_session_attrs":
                builder.TargetSessionAttributes = TargetSessionAttributes.Contains(value, StringComparer.OrdinalIgnoreCase)
                    ? value.ToLowerInvariant()
                    : throw Malformed($"target_session_attrs '{value}' is not one of {string.Join(", ", TargetSessionAttributes)}");
                return true;
            case "load_balance_hosts":
                builder.LoadBalanceHosts = value.ToLowerInvariant() switch
                {
                    "random" => true,
                    "disable" => false,
                    _ => throw Malformed($"load_balance_hosts '{value}' is not one of disable, random"),
                };
                return true;
            case "application_name":
                query.Ignored.Add(key); // the module always identifies itself
                return true;
            case "pgbouncer":
                query.Ignored.Add(key);
                query.PgBouncerHint = string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
                return true;
            default:
                if (PrismaOnly.Contains(key))
                {
                    query.Ignored.Add(key);
                    return true;
                }

                return false;
        }
    }

    /// <summary>What the URL's query says besides the connection settings.</summary>
    private sealed class UrlQuery
    {
        public string? Schema { get; set; }

        public List<string> Ignored { get; } = [];

        public bool PgBouncerHint { get; set; }

        public bool TimeoutGiven { get; set; }

        /// <summary>Prisma's <c>sslaccept=strict</c>: the server's certificate must be valid for its host name.</summary>
        public bool StrictCertificate { get; set; }
    }

    private static IEnumerable<(string Key, string Value)> Query(string query)
    {
        foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? part : part[..eq]).Replace('+', ' '));
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' '));
            yield return (key, value);
        }
    }

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw Malformed($"the URL parameter '{key}' must be a whole number");

    private static MatchmadeException Malformed(string why) => new(
        ErrorIds.InvalidConnectionString,
        FailureKind.InvalidArgument,
        $"The connection string is not valid: {why}. Pass -ConnectionString 'postgresql://USER@HOST:5432/DATABASE?schema=public' (with -Credential for the password) or an Npgsql string such as 'Host=HOST;Database=DATABASE;Username=USER'.");
}
