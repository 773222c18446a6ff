using Matchmade.Core.Sql;

namespace Matchmade.Core.Tests.Connection;

/// <summary>
/// Scripts run a statement at a time (SqlText.StatementsFor, Db.ExecuteEach): split where the file's own lines end a
/// statement, before names are filled in.
/// </summary>
public sealed class SqlStatementsTests
{
    [Theory]
    [InlineData("stage-tables.sql", 3)]
    [InlineData("upsert-intents.sql", 2)]
    [InlineData("upsert-profile.sql", 1)]
    [InlineData("sync-delete-users.sql", 3)]
    public void A_script_splits_into_its_statements_each_with_the_comment_before_it(string file, int count)
    {
        var statements = SqlText.StatementsFor(file, new SchemaNames("public", "matchmade"));

        Assert.Equal(count, statements.Length);
        Assert.All(statements, s => Assert.EndsWith(";", s.TrimEnd(), StringComparison.Ordinal));
        Assert.Equal(SqlText.For(file, new SchemaNames("public", "matchmade")).TrimEnd(), string.Concat(statements).TrimEnd());
    }

    [Fact]
    public void A_schema_name_with_a_semicolon_and_a_line_break_does_not_split_a_statement()
    {
        var hostile = new SchemaNames("app;\nDROP TABLE x;\n", "state;\n");

        var statements = SqlText.StatementsFor("sync-delete-users.sql", hostile);

        Assert.Equal(3, statements.Length);
        Assert.Contains("\"app;\nDROP TABLE x;\n\".\"ContextIntent\"", statements[0], StringComparison.Ordinal);
        Assert.Contains("\"state;\n\".migrated_user", statements[2], StringComparison.Ordinal);
    }
}
