using System.Collections.Concurrent;
using System.Diagnostics;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using Xunit.Abstractions;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>The tests' server: fresh, independent databases with exactly the old schema, fast.</summary>
public sealed class TestServerTests(ITestOutputHelper output)
{
    private static readonly string[] Expected =
    [
        "constraint ChatMessage_contextProfileId_fkey on ChatMessage: FOREIGN KEY (\"contextProfileId\") REFERENCES \"ContextProfile\"(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "constraint ChatMessage_pkey on ChatMessage: PRIMARY KEY (id)",
        "constraint ContextProfile_pkey on ContextProfile: PRIMARY KEY (id)",
        "constraint ContextProfile_userId_fkey on ContextProfile: FOREIGN KEY (\"userId\") REFERENCES \"User\"(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "constraint Profile_contextProfileId_fkey on Profile: FOREIGN KEY (\"contextProfileId\") REFERENCES \"ContextProfile\"(id) ON UPDATE CASCADE ON DELETE CASCADE",
        "constraint Profile_pkey on Profile: PRIMARY KEY (id)",
        "constraint User_pkey on User: PRIMARY KEY (id)",
        "index ChatMessage_contextProfileId_idx on ChatMessage: unique=false columns=contextProfileId",
        "index ChatMessage_pkey on ChatMessage: unique=true columns=id",
        "index ContextProfile_pkey on ContextProfile: unique=true columns=id",
        "index ContextProfile_userId_contextType_key on ContextProfile: unique=true columns=userId,contextType",
        "index Profile_contextProfileId_key on Profile: unique=true columns=contextProfileId",
        "index Profile_pkey on Profile: unique=true columns=id",
        "index User_email_key on User: unique=true columns=email",
        "index User_pkey on User: unique=true columns=id",
        "table ChatMessage: id text NOT NULL, contextProfileId text NOT NULL, role text NOT NULL, content text NOT NULL, createdAt timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP",
        "table ContextProfile: id text NOT NULL, userId text NOT NULL, contextType \"RelationshipContextType\" NOT NULL, createdAt timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, updatedAt timestamp(3) without time zone NOT NULL",
        "table Profile: id text NOT NULL, contextProfileId text NOT NULL, data jsonb NOT NULL DEFAULT '{}'::jsonb, createdAt timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, updatedAt timestamp(3) without time zone NOT NULL",
        "table User: id text NOT NULL, email text NOT NULL, createdAt timestamp(3) without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, updatedAt timestamp(3) without time zone NOT NULL",
        "type RelationshipContextType: romantic,friendship,professional,creative,service",
    ];

    [Fact]
    public void A_new_database_has_exactly_the_schema_source_sql_makes_and_nothing_else()
    {
        var cloned = TestServer.Shared.CreateDatabase("shape");
        var plain = TestServer.Shared.CreateDatabase("plain_target");
        try
        {
            using var c = Open(cloned);
            Assert.Equal(string.Join('\n', Expected), FixtureSql.SchemaShape(c, "public"));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'public', 'pg_toast') AND c.relkind = 'r'"));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"User\""));

            // The same as running source.sql itself on an empty database.
            using (var p = Open(plain))
            {
                Exec(p, "DROP TABLE \"ChatMessage\", \"Profile\", \"ContextProfile\", \"User\"; DROP TYPE \"RelationshipContextType\"");
                Assert.Equal(string.Empty, FixtureSql.SchemaShape(p, "public"));
                Exec(p, SourceSchema.Sql);
                Assert.Equal(FixtureSql.SchemaShape(c, "public"), FixtureSql.SchemaShape(p, "public"));
            }
        }
        finally
        {
            TestServer.Shared.DropDatabase(cloned);
            TestServer.Shared.DropDatabase(plain);
        }
    }

    [Fact]
    public void Databases_are_independent_uniquely_named_and_made_in_parallel_quickly()
    {
        var made = new ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        try
        {
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => made.Add(TestServer.Shared.CreateDatabase("Par Allel-" + i)));
            output.WriteLine($"8 databases in {watch.ElapsedMilliseconds} ms");
            var names = made.Select(cs => new NpgsqlConnectionStringBuilder(cs).Database!).ToList();
            Assert.Equal(8, names.Distinct().Count());
            Assert.All(names, n => Assert.Matches("^mm_par_allel_[0-9]_[0-9a-f]{8}$", n));

            // A row in one is in no other.
            using (var first = Open(made.First()))
            {
                Exec(first, "INSERT INTO \"User\" (id, email, \"updatedAt\") VALUES ('u1', 'a@b.c', now())");
            }

            Assert.Equal(1, made.Sum(cs =>
            {
                using var c = Open(cs);
                return Scalar<int>(c, "SELECT count(*)::int FROM \"User\"");
            }));
        }
        finally
        {
            foreach (var cs in made)
            {
                TestServer.Shared.DropDatabase(cs);
            }
        }
    }

    [Fact]
    public void Names_are_lowercase_identifiers_even_from_odd_prefixes_and_dropping_ends_open_sessions()
    {
        var cs = TestServer.Shared.CreateDatabase("Ünïcode \"Quoted\"; DROP DATABASE x -- a very long prefix that goes on and on and on");
        var name = new NpgsqlConnectionStringBuilder(cs).Database!;
        Assert.Matches("^[a-z_][a-z0-9_]*$", name);
        Assert.True(name.Length <= 63, name);
        var open = Open(cs);
        TestServer.Shared.DropDatabase(cs);
        using var admin = Open(TestServer.Shared.AdminConnectionString);
        Assert.Equal(0L, Scalar<long>(admin, "SELECT count(*) FROM pg_database WHERE datname = @n", ("n", name)));
        Assert.ThrowsAny<Exception>(() => Scalar<int>(open, "SELECT 1"));
        open.Dispose();
    }

    [Fact]
    public void The_fixture_gives_a_database_a_url_and_removes_it()
    {
        string name;
        using (var db = DatabaseFixture.CreateFresh("fixture_self"))
        {
            name = db.Database;
            Assert.Equal("public", db.Schema);
            using var c = db.Open();
            Assert.Equal(name, Scalar<string>(c, "SELECT current_database()"));
            using var viaUrl = Open(TestServer.ToConnectionString(db.Url));
            Assert.Equal(name, Scalar<string>(viaUrl, "SELECT current_database()"));
            Assert.StartsWith("postgresql://", db.Url, StringComparison.Ordinal);
        }

        using var admin = Open(TestServer.Shared.AdminConnectionString);
        Assert.Equal(0L, Scalar<long>(admin, "SELECT count(*) FROM pg_database WHERE datname = @n", ("n", name)));
    }

    [Fact]
    public void Urls_and_connection_strings_convert_both_ways()
    {
        var cs = TestServer.ToConnectionString("postgresql://app%20user:p%40ss%3Aw%2Frd@db.example:6543/my%20db?schema=app&sslmode=require");
        var b = new NpgsqlConnectionStringBuilder(cs);
        Assert.Equal(("db.example", 6543, "app user", "p@ss:w/rd", "my db", SslMode.Require), (b.Host, b.Port, b.Username, b.Password, b.Database, b.SslMode));
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(TestServer.ToConnectionString("postgres://u@h/d")).Port);
        Assert.Equal("Host=h;Database=d", TestServer.ToConnectionString("Host=h;Database=d")); // already a connection string
        var url = TestServer.ToUrl(cs, "app");
        Assert.Equal("postgresql://app%20user:p%40ss%3Aw%2Frd@db.example:6543/my%20db?schema=app", url);
        var back = new NpgsqlConnectionStringBuilder(TestServer.ToConnectionString(url));
        Assert.Equal((b.Host, b.Port, b.Username, b.Password, b.Database), (back.Host, back.Port, back.Username, back.Password, back.Database));
    }
}
