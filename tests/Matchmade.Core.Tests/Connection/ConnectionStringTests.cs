using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Npgsql;

namespace Matchmade.Core.Tests.Connection;

public sealed class ConnectionStringTests
{
    private const string Password = "s3cr#t:P@ss/w0rd?unique-4711";

    [Fact]
    public void Prisma_url_gives_host_port_database_user_password_schema_and_ssl()
    {
        var url = $"postgresql://app%20user:{Uri.EscapeDataString(Password)}@db.example.com:6543/my%2Ddb?schema=tenant_1&sslmode=require&connect_timeout=7&connection_limit=5";
        var parsed = ConnectionStringParser.Parse(url);
        Assert.Equal("db.example.com", parsed.Builder.Host);
        Assert.Equal(6543, parsed.Builder.Port);
        Assert.Equal("my-db", parsed.Builder.Database);
        Assert.Equal("app user", parsed.Builder.Username);
        Assert.Equal(Password, parsed.Builder.Password);
        Assert.Equal("tenant_1", parsed.Schema);
        Assert.Equal(SslMode.Require, parsed.Builder.SslMode);
        Assert.Equal(7, parsed.Builder.Timeout);
        Assert.Equal(["connection_limit"], parsed.IgnoredParameters);
    }

    [Theory]
    [InlineData("postgres://u@localhost/db", "localhost", 5432)]
    [InlineData("postgresql://u@[::1]:5433/db", "::1", 5433)]
    [InlineData("postgresql://u@/db?host=/var/run/postgresql", "/var/run/postgresql", 5432)]
    [InlineData("postgresql://u@%2Fvar%2Frun%2Fpostgresql/db", "/var/run/postgresql", 5432)]
    [InlineData("postgresql://u@%2Fvar%2Frun%2Fpostgresql:5433/db", "/var/run/postgresql", 5433)]
    public void Url_forms(string url, string host, int port)
    {
        var parsed = ConnectionStringParser.Parse(url);
        Assert.Equal(host, parsed.Builder.Host);
        Assert.Equal(port, parsed.Builder.Port);
        Assert.Equal("db", parsed.Builder.Database);
        Assert.Null(parsed.Schema);
    }

    /// <summary>
    /// libpq's multi-host URLs (a primary and its standbys, as psql takes them): every host with its own port or the
    /// URL's, and target_session_attrs to say which one to use.
    /// </summary>
    [Theory]
    [InlineData("postgresql://u:pw@db1:5433,db2/db?target_session_attrs=read-write", "db1:5433,db2", "ReadWrite")]
    [InlineData("postgresql://u@db1,db2:5434,10.0.0.3/db", "db1,db2:5434,10.0.0.3", "Any")]
    [InlineData("postgres://db1:6000,db3:6001/db?target_session_attrs=primary&load_balance_hosts=random", "db1:6000,db3:6001", "Primary")]
    [InlineData("postgresql://u@db1,db2/db?target_session_attrs=prefer-standby", "db1,db2", "PreferStandby")]
    public void Multi_host_urls_give_npgsql_a_host_list_and_the_session_attributes(string url, string hosts, string attributes)
    {
        var parsed = ConnectionStringParser.Parse(url);
        Assert.Equal(hosts, parsed.Builder.Host);
        Assert.Equal("db", parsed.Builder.Database);
        Assert.Equal(attributes, (parsed.Builder.TargetSessionAttributes ?? "any").Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true);
    }

    /// <summary>The module's shorter default (10 s) applies only when the string sets no timeout: an explicit 15 stays 15.</summary>
    [Theory]
    [InlineData("postgresql://u@h/db", 10)]
    [InlineData("postgresql://u@h/db?connect_timeout=15", 15)]
    [InlineData("postgresql://u@h/db?connect_timeout=0", 0)]
    [InlineData("Host=h;Database=db;Username=u", 10)]
    [InlineData("Host=h;Database=db;Username=u;Timeout=15", 15)]
    [InlineData("Host=h;Database=db;Username=u;timeout=30", 30)]
    public void The_connect_timeout_is_the_strings_else_ten_seconds(string connectionString, int seconds)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = connectionString });
        Assert.Equal(seconds, target.ConnectTimeoutSeconds);
    }

    [Theory]
    [InlineData("postgresql://u@db1/db?target_session_attrs=read-write")]
    [InlineData("Host=db1;Database=db;Username=u;Target Session Attributes=primary")]
    public void Target_session_attributes_with_one_host_are_accepted_as_libpq_accepts_them(string connectionString)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = connectionString });
        Assert.Equal("db1:5432", target.Server);
    }

    [Fact]
    public void Settings_that_do_not_go_together_are_InvalidConnectionString_without_the_password()
    {
        var e = Assert.Throws<MatchmadeException>(() => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "Host=db1,db2;Database=db;Username=u;Password=Pw-5521;Replication Mode=Logical" }));
        Assert.Equal(ErrorIds.InvalidConnectionString, e.ErrorId);
        Assert.Contains("multiple hosts", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Pw-5521", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_target_session_attrs_value_is_refused_with_the_choices()
    {
        var e = Assert.Throws<MatchmadeException>(() => ConnectionStringParser.Parse("postgresql://u:Pw-9917@db1,db2/db?target_session_attrs=master"));
        Assert.Equal(ErrorIds.InvalidConnectionString, e.ErrorId);
        Assert.Contains("read-write", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Pw-9917", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("disable", SslMode.Disable)]
    [InlineData("prefer", SslMode.Prefer)]
    [InlineData("require", SslMode.Require)]
    [InlineData("verify-ca", SslMode.VerifyCA)]
    [InlineData("verify-full", SslMode.VerifyFull)]
    public void Sslmode_maps_to_npgsql(string sslmode, SslMode expected) =>
        Assert.Equal(expected, ConnectionStringParser.Parse($"postgresql://u@h/db?sslmode={sslmode}").Builder.SslMode);

    /// <summary>
    /// Prisma reads sslmode (whether TLS is used) and sslaccept (whether the certificate is checked) independently, so
    /// their order in the URL must not matter: a strict sslaccept written first was undone by a later sslmode=require.
    /// </summary>
    [Theory]
    [InlineData("sslaccept=strict&sslmode=require", SslMode.VerifyFull)]
    [InlineData("sslmode=require&sslaccept=strict", SslMode.VerifyFull)]
    [InlineData("sslaccept=strict&sslmode=prefer", SslMode.VerifyFull)]
    [InlineData("sslaccept=strict", SslMode.VerifyFull)]
    [InlineData("sslaccept=strict&sslmode=verify-ca", SslMode.VerifyCA)]
    [InlineData("sslaccept=strict&sslmode=disable", SslMode.Disable)]
    [InlineData("sslmode=disable&sslaccept=strict", SslMode.Disable)]
    [InlineData("sslaccept=accept_invalid_certs&sslmode=require", SslMode.Require)]
    public void Sslaccept_strict_verifies_the_certificate_wherever_it_stands_in_the_url(string query, SslMode expected) =>
        Assert.Equal(expected, ConnectionStringParser.Parse($"postgresql://u@h/db?{query}").Builder.SslMode);

    [Fact]
    public void Keyword_connection_string_is_accepted_and_search_path_gives_the_schema()
    {
        var parsed = ConnectionStringParser.Parse($"Host=h;Port=5555;Database=d;Username=u;Password={Password};Search Path=app");
        Assert.Equal("h", parsed.Builder.Host);
        Assert.Equal(5555, parsed.Builder.Port);
        Assert.Equal("app", parsed.Schema);
    }

    [Theory]
    [InlineData("postgresql://u:PASSWORD@h/db?sslmod=require", "sslmod")]
    [InlineData("postgresql://u:PASSWORD@h/db?sslmode=sometimes", "sslmode")]
    [InlineData("postgresql://u:PASSWORD@h/db/extra", "database name")]
    [InlineData("Host=h;Port=notanumber;Password=PASSWORD", "not valid")]
    [InlineData("Host=h;Password=PASSWORD;Port=notanumber", "the value of 'port'")]
    [InlineData("Host=h;Bogus Key=1;Password=PASSWORD", "not valid")]
    [InlineData("mysql://u:PASSWORD@h/db", "postgresql://")]
    [InlineData("   ", "empty")]
    public void Malformed_input_is_one_clear_error_without_the_password(string input, string expectedText)
    {
        var secret = Password + "-" + expectedText.Length;
        var e = Assert.Throws<MatchmadeException>(() => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = input.Replace("PASSWORD", Uri.EscapeDataString(secret), StringComparison.Ordinal) }));
        Assert.Equal("InvalidConnectionString", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains(expectedText, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(secret), e.ToString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A password with a ';' in an unquoted keyword string is cut there, and the driver takes what follows for a
    /// keyword: naming that "keyword" printed a piece of the password. The error says to quote the value instead.
    /// </summary>
    [Theory]
    [InlineData("Host=h;Database=d;Password=Xy7;kQz=9w;Username=u", "kqz")]
    [InlineData("Host=h;Database=d;Username=u;PWD = Xy7; secretpart = 9w", "secretpart")]
    public void A_semicolon_in_an_unquoted_password_is_explained_without_printing_the_rest_of_it(string input, string fragment)
    {
        var e = Assert.Throws<MatchmadeException>(() => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = input }));
        Assert.Equal("InvalidConnectionString", e.ErrorId);
        Assert.DoesNotContain(fragment, e.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("quote", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_overrides_the_user_and_password_of_the_string()
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "postgresql://a:b@h:1/db", UserName = "dba", Password = Password });
        Assert.Equal("dba", target.UserName);
        Assert.Equal("dba@h:1/db", target.Display);
        Assert.DoesNotContain(Password, target.Display, StringComparison.Ordinal);
    }

    [Fact]
    public void Schema_parameter_beats_the_url_and_public_is_the_default()
    {
        using (var fromUrl = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "postgresql://u@h/db?schema=from_url" }))
        {
            Assert.Equal("from_url", fromUrl.Schemas.App);
        }

        using (var given = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "postgresql://u@h/db?schema=from_url", Schema = "given" }))
        {
            Assert.Equal("given", given.Schemas.App);
        }

        using var byDefault = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "postgresql://u@h/db" });
        Assert.Equal("public", byDefault.Schemas.App);
        Assert.Equal("matchmade", byDefault.Schemas.State);
    }

    [Fact]
    public void State_schema_must_not_be_the_apps()
    {
        var e = Assert.Throws<MatchmadeException>(() => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "postgresql://u@h/db?schema=matchmade" }));
        Assert.Equal("StateSchemaIsAppSchema", e.ErrorId);
    }

    [Fact]
    public void Secrets_are_scrubbed_from_any_text()
    {
        Secrets.Register(Password);
        var text = $"failed for postgresql://u:{Uri.EscapeDataString("other-pw")}@h/db; Password={Password}; also {Password} and {Uri.EscapeDataString(Password)}";
        var scrubbed = Secrets.Scrub(text);
        Assert.DoesNotContain(Password, scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(Password), scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("other-pw", scrubbed, StringComparison.Ordinal);
        Assert.Contains("postgresql://u:***@h/db", scrubbed, StringComparison.Ordinal);
    }

    /// <summary>
    /// A password with a raw '@' (not percent-encoded, as a hurried DBA types it): the URL's password runs to the last '@'
    /// before the host, so the mask must too, whether or not the URL could be parsed (and the password registered).
    /// </summary>
    [Theory]
    [InlineData("postgresql://dba:Sum@r!9x@db.internal:5432/app")]
    [InlineData("postgres://dba:Qx7@Zk9@Wp3@db.internal/app?schema=public")]
    public void A_raw_at_sign_in_a_url_password_is_masked_to_the_host(string url)
    {
        var password = url.Split("://")[1].Split(':')[1];
        password = password[..password.LastIndexOf('@')];
        Assert.Equal(url.Replace(password, "***", StringComparison.Ordinal), Secrets.Scrub(url));
        var e = Record.Exception(() => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = url }).Dispose());
        if (e is not null)
        {
            foreach (var piece in password.Split('@'))
            {
                Assert.DoesNotContain(piece, e.ToString(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_very_short_password_is_masked_in_connection_strings_but_not_scrubbed_from_every_word()
    {
        Secrets.Register("dba");
        var scrubbed = Secrets.Scrub("role dba on db.internal failed; Password=dba; postgresql://dba:dba@h/db");
        Assert.StartsWith("role dba on db.internal failed; Password=***", scrubbed, StringComparison.Ordinal);
        Assert.EndsWith("postgresql://dba:***@h/db", scrubbed, StringComparison.Ordinal);
    }
}

[Collection(nameof(EnvironmentVariableCollection))]
public sealed class DatabaseUrlEnvironmentTests
{
    [Fact]
    public void Database_url_environment_variable_is_the_default_and_its_absence_is_a_clear_error()
    {
        var saved = Environment.GetEnvironmentVariable("DATABASE_URL");
        try
        {
            Environment.SetEnvironmentVariable("DATABASE_URL", "postgresql://envuser@envhost:5999/envdb?schema=envschema");
            using (var target = DatabaseTarget.Create(new ConnectionRequest()))
            {
                Assert.Equal("envuser@envhost:5999/envdb", target.Display);
                Assert.Equal("envschema", target.Schemas.App);
            }

            Environment.SetEnvironmentVariable("DATABASE_URL", null);
            var e = Assert.Throws<MatchmadeException>(() => DatabaseTarget.Create(new ConnectionRequest()));
            Assert.Equal("ConnectionStringMissing", e.ErrorId);
            Assert.Contains("DATABASE_URL", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("DATABASE_URL", saved);
        }
    }
}

[Collection(nameof(EnvironmentVariableCollection))]
public sealed class DirectUrlEnvironmentTests
{
    [Fact]
    public void Prismas_DIRECT_URL_comes_before_DATABASE_URL_and_the_target_says_where_it_came_from()
    {
        var saved = (Environment.GetEnvironmentVariable("DIRECT_URL"), Environment.GetEnvironmentVariable("DATABASE_URL"));
        try
        {
            Environment.SetEnvironmentVariable("DATABASE_URL", "postgresql://app@pgbouncer.internal:6432/appdb?pgbouncer=true");
            Environment.SetEnvironmentVariable("DIRECT_URL", "postgresql://dba@db.internal:5432/appdb");
            using (var target = DatabaseTarget.Create(new ConnectionRequest()))
            {
                Assert.Equal("dba@db.internal:5432/appdb", target.Display);
                Assert.Equal("$env:DIRECT_URL", target.ConnectionSource);
                Assert.False(target.PgBouncerHint);
            }

            Environment.SetEnvironmentVariable("DIRECT_URL", null);
            using (var target = DatabaseTarget.Create(new ConnectionRequest()))
            {
                Assert.Equal("app@pgbouncer.internal:6432/appdb", target.Display);
                Assert.Equal("$env:DATABASE_URL", target.ConnectionSource);
                Assert.True(target.PgBouncerHint);
            }

            using (var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "Host=h;Database=d;Username=u" }))
            {
                Assert.Equal("-ConnectionString", target.ConnectionSource);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("DIRECT_URL", saved.Item1);
            Environment.SetEnvironmentVariable("DATABASE_URL", saved.Item2);
        }
    }
}

[CollectionDefinition(nameof(EnvironmentVariableCollection), DisableParallelization = true)]
public sealed class EnvironmentVariableCollection;
