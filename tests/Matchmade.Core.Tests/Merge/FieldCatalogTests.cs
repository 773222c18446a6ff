using System.Text.RegularExpressions;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Tests.Merge;

/// <summary>The field lists against the contract files themselves: RULES.md, target.prisma and migration.sql.</summary>
public sealed class FieldCatalogTests
{
    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([QaUsersTests.RepoRoot(), .. path]));

    [Fact]
    public void Shared_fields_are_RULES_md_table_order_with_their_kinds()
    {
        Assert.Equal(["coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "location", "ageRange", "name"], FieldCatalog.SharedFields);
        Assert.Equal(
            [SharedFieldKind.Array, SharedFieldKind.Array, SharedFieldKind.Object, SharedFieldKind.Object, SharedFieldKind.Object, SharedFieldKind.String, SharedFieldKind.String, SharedFieldKind.String],
            FieldCatalog.SharedFields.Select(FieldCatalog.KindOf));

        // The table in RULES.md lists them in this order.
        var rules = Read("docs", "contract", "RULES.md");
        rules = rules[rules.IndexOf("## Shared fields", StringComparison.Ordinal)..];
        rules = rules[..rules.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        var positions = FieldCatalog.SharedFields.Select(f => rules.IndexOf("| " + f, StringComparison.Ordinal) is var i and >= 0 ? i : rules.IndexOf(", " + f, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Throws<ArgumentException>(() => FieldCatalog.KindOf("Location"));
        Assert.True(FieldCatalog.IsSharedField("name"));
        Assert.False(FieldCatalog.IsSharedField("relationshipTimeline"));
    }

    [Fact]
    public void Intent_columns_are_migration_sql_order_and_only_complementarySkills_is_JSON()
    {
        var sql = Read("src", "Matchmade.Core", "Schema", "Sql", "migration.sql");
        var table = sql[sql.IndexOf("CREATE TABLE \"ContextIntent\"", StringComparison.Ordinal)..];
        table = table[..table.IndexOf(");", StringComparison.Ordinal)];
        var columns = Regex.Matches(table, "^\\s+\"(\\w+)\" \"?(\\w+)", RegexOptions.Multiline).Select(m => (Name: m.Groups[1].Value, Type: m.Groups[2].Value)).ToList();
        var start = columns.FindIndex(c => c.Name == "contextType") + 1;
        var end = columns.FindIndex(c => c.Name == "completeness");
        var contextColumns = columns.GetRange(start, end - start);
        Assert.Equal(contextColumns.Select(c => c.Name), FieldCatalog.IntentColumns);
        Assert.Equal(20, FieldCatalog.IntentColumns.Count);
        Assert.Equal(contextColumns.Select(c => c.Type == "JSONB"), FieldCatalog.IntentColumns.Select(FieldCatalog.IsJsonIntentColumn));
        Assert.Equal(["complementarySkills"], FieldCatalog.IntentColumns.Where(FieldCatalog.IsJsonIntentColumn));
    }

    [Fact]
    public void Each_contexts_fields_are_target_prisma_order()
    {
        var prisma = Read("docs", "contract", "target.prisma");
        var model = prisma[prisma.IndexOf("model ContextIntent", StringComparison.Ordinal)..];
        foreach (var type in ContextTypes.All)
        {
            var name = ContextTypes.ToDbName(type);
            var header = "// " + char.ToUpperInvariant(name[0]) + name[1..] + " fields";
            var block = model[(model.IndexOf(header, StringComparison.Ordinal) + header.Length)..];
            block = block[..block.IndexOf("\n\n", StringComparison.Ordinal)];
            var fields = Regex.Matches(block, "^\\s+(\\w+)\\s", RegexOptions.Multiline).Select(m => m.Groups[1].Value);
            Assert.Equal(fields, FieldCatalog.FieldsOf(type));
            Assert.All(FieldCatalog.FieldsOf(type), f => Assert.Equal(type, FieldCatalog.OwnerOf(f)));
        }

        Assert.Equal([4, 3, 4, 5, 4], ContextTypes.All.Select(t => FieldCatalog.FieldsOf(t).Count)); // RULES.md: romantic 4, friendship 3, ...
        Assert.Throws<ArgumentException>(() => FieldCatalog.OwnerOf("name"));
        Assert.Equal(-1, FieldCatalog.IntentColumnIndex("name"));
        Assert.Equal(-1, FieldCatalog.SharedFieldIndex("friendshipDepth"));
    }

    [Fact]
    public void Context_types_are_the_PostgreSQL_enum_in_order()
    {
        var prisma = Read("docs", "contract", "target.prisma");
        var body = prisma[(prisma.IndexOf("enum RelationshipContextType {", StringComparison.Ordinal) + 30)..];
        body = body[..body.IndexOf('}', StringComparison.Ordinal)];
        var names = body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(names, ContextTypes.All.Select(ContextTypes.ToDbName));
        Assert.Equal(names, Enum.GetValues<ContextType>().Select(ContextTypes.ToDbName));
        Assert.Equal([0, 1, 2, 3, 4], Enum.GetValues<ContextType>().Select(t => (int)t));
        foreach (var name in names)
        {
            Assert.Equal(name, ContextTypes.ToDbName(ContextTypes.Parse(name)));
            Assert.True(ContextTypes.TryParse(name, out var parsed));
            Assert.Equal(name, ContextTypes.ToDbName(parsed));
        }

        Assert.False(ContextTypes.TryParse("Romantic", out _));
        Assert.False(ContextTypes.TryParse(null!, out _));
        Assert.Throws<ArgumentException>(() => ContextTypes.Parse("business"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ContextTypes.ToDbName((ContextType)5));
    }

    [Fact]
    public void The_rules_fingerprint_is_a_stable_SHA256()
    {
        Assert.Matches("^[0-9a-f]{64}$", FieldCatalog.RulesFingerprint);
        Assert.Equal("slice-1a/rules-v2", FieldCatalog.RulesVersion);

        // The fingerprint is the SHA-256 of the rules written out here by hand: a changed field list, kind, column
        // order or rules version changes it (and must change this text too).
        const string canonical = """
            slice-1a/rules-v2
            coreValues:array
            constraints:array
            beliefs:object
            interactionStyle:object
            lifestyle:object
            location:string
            ageRange:string
            name:string
            romantic=relationshipTimeline,exclusivityExpectation,familyIntentions,attractionImportance
            friendship=friendshipDepth,groupActivityPreference,emotionalSupportExpectation
            professional=partnershipType,commitmentHorizon,complementarySkills,equityOrRevShare
            creative=creativeType,roleNeeded,processStyle,egoBalance,compensationExpectation
            service=serviceType,budgetRange,timelineNeeded,credentialsRequired
            columns=relationshipTimeline,exclusivityExpectation,familyIntentions,attractionImportance,friendshipDepth,groupActivityPreference,emotionalSupportExpectation,partnershipType,commitmentHorizon,complementarySkills,equityOrRevShare,creativeType,roleNeeded,processStyle,egoBalance,compensationExpectation,serviceType,budgetRange,timelineNeeded,credentialsRequired
            json=complementarySkills

            """;
        var expected = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical.ReplaceLineEndings("\n")))).ToLowerInvariant();
        Assert.Equal(expected, FieldCatalog.RulesFingerprint);
    }
}
