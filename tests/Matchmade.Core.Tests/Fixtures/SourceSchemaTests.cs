using System.Text;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>source.sql as Prisma wrote it, applied in any schema, all or nothing.</summary>
public sealed class SourceSchemaTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string Odd = "app \"quoted\"; schema";

    [Fact]
    public void Sql_is_the_file_byte_for_byte()
    {
        var file = File.ReadAllBytes(Path.Combine(FixtureSql.RepoRoot(), "tools", "Matchmade.Fixtures", "source.sql"));
        Assert.Equal(file, Encoding.UTF8.GetBytes(SourceSchema.Sql));
        Assert.StartsWith("-- CreateSchema", SourceSchema.Sql, StringComparison.Ordinal);
    }

    [Fact]
    public void In_a_schema_with_quotes_and_a_semicolon_the_tables_land_there_and_the_session_is_left_as_it_was()
    {
        using var c = db.Open();
        var searchPath = Scalar<string>(c, "SHOW search_path");
        SourceSchema.Apply(c, Odd);
        Assert.Equal(searchPath, Scalar<string>(c, "SHOW search_path"));

        var publicShape = FixtureSql.SchemaShape(c, "public");
        Exec(c, $"SET search_path TO {FixtureSql.Quote(Odd)}"); // so constraint definitions name the tables unqualified, as in public
        try
        {
            Assert.Equal(publicShape, FixtureSql.SchemaShape(c, Odd));
        }
        finally
        {
            Exec(c, "RESET search_path");
        }

        // It takes data, sample data included.
        SampleData.LoadQaUsers(c, Odd);
        var loaded = SampleData.LoadSynthetic(c, 50, seed: 3, schema: Odd);
        Assert.Equal(53L, Scalar<long>(c, $"SELECT count(*) FROM {FixtureSql.Quote(Odd)}.\"User\""));
        var qaProfiles = SampleData.QaUsers().Sum(u => u.Contexts.Count(x => x.HasProfile));
        Assert.Equal(loaded.Profiles + qaProfiles, Scalar<long>(c, $"SELECT count(*) FROM {FixtureSql.Quote(Odd)}.\"Profile\""));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM public.\"User\""));
    }

    [Fact]
    public void A_database_made_for_another_schema_has_the_tables_only_there()
    {
        using var other = DatabaseFixture.CreateFresh("schema_db", "tenant_a");
        using var c = other.Open();
        Assert.Equal("tenant_a", other.Schema);
        Assert.EndsWith("?schema=tenant_a", other.Url, StringComparison.Ordinal);
        Assert.Equal(string.Empty, FixtureSql.SchemaShape(c, "public"));
        Assert.Contains("table User:", FixtureSql.SchemaShape(c, "tenant_a"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_part_way_leaves_nothing_behind()
    {
        using var c = db.Open();
        const string schema = "half_done";
        Exec(c, $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.\"ChatMessage\" (x int)"); // source.sql's last table then fails
        Assert.Throws<PostgresException>(() => SourceSchema.Apply(c, schema));
        Assert.Equal("table ChatMessage: x integer", FixtureSql.SchemaShape(c, schema)); // no User, no enum: rolled back
    }
}
