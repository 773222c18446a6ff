using System.Text.Json;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Tests.Merge;

/// <summary>
/// The seed's three QA users (docs/sample-data/qa-users.json, the same file the fixtures load into PostgreSQL) with
/// their expected rows written out by hand: 3 ProfileNew, 7 ContextIntent (3 romantic, 2 friendship, 2 professional),
/// no conflicts, unmapped intent/preferences/dealbreakers in two romantic blobs.
/// </summary>
public sealed class QaUsersTests
{
    private static readonly Dictionary<string, MergeResult> Results = Load().ToDictionary(u => u.UserId, ProfileMerger.Merge);

    [Fact]
    public void Totals_match_the_seed_log()
    {
        Assert.Equal(3, Results.Count);
        Assert.Equal(7, Results.Values.Sum(r => r.Intents.Count));
        Assert.Equal(
            new Dictionary<ContextType, int> { [ContextType.Romantic] = 3, [ContextType.Friendship] = 2, [ContextType.Professional] = 2 },
            Results.Values.SelectMany(r => r.Intents).GroupBy(i => i.ContextType).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Empty(Results.Values.SelectMany(r => r.Findings).OfType<Conflict>());
        Assert.Empty(Results.Values.SelectMany(r => r.Findings).OfType<InvalidValue>());
        Assert.Equal(2, Results.Values.SelectMany(r => r.Findings).OfType<UnmappedField>().Select(u => (u.UserId, u.ContextType)).Distinct().Count());
    }

    [Fact]
    public void User_qa1()
    {
        var r = Results["user_qa1"];
        var p = r.Profile;
        Json("""["honesty","curiosity","loyalty"]""", p.CoreValues);
        Json("""["remote only"]""", p.Constraints);
        Json("""{"religion":"agnostic"}""", p.Beliefs);
        Json("""{"communication":"direct","energy":"introvert"}""", p.InteractionStyle);
        Json("""{"exercise":"weekly hikes","diet":"vegetarian"}""", p.Lifestyle);
        Assert.Equal(("San Francisco, CA", "28-32", "Alex"), (p.Location, p.AgeRange, p.Name));
        Assert.Equal(100, p.Completeness);
        Assert.Empty(p.Missing);

        Intent(r.Intents[0], ContextType.Romantic, 75, ["attractionImportance"],
            ("relationshipTimeline", "within 1-2 years"), ("exclusivityExpectation", "monogamous"), ("familyIntentions", "wants kids someday"));
        Intent(r.Intents[1], ContextType.Friendship, 66, ["emotionalSupportExpectation"],
            ("friendshipDepth", "a few close friends"), ("groupActivityPreference", "small groups"));
        Intent(r.Intents[2], ContextType.Professional, 75, ["equityOrRevShare"],
            ("partnershipType", "co-founder"), ("commitmentHorizon", "3+ years"));
        Json("""["sales","fundraising"]""", r.Intents[2]["complementarySkills"]!);

        Unmapped(r, ContextType.Romantic, ("intent", "\"long-term\""), ("preferences", """["hiking","jazz"]"""), ("dealbreakers", """["smoking"]"""));
    }

    [Fact]
    public void User_cmjfwhbqb0000qe2g6xd8iww9()
    {
        var r = Results["cmjfwhbqb0000qe2g6xd8iww9"];
        var p = r.Profile;
        Json("""["kindness","family"]""", p.CoreValues);
        Assert.Equal(("[]", "{}", "{}", "{}"), (p.Constraints, p.Beliefs, p.InteractionStyle, p.Lifestyle));
        Assert.Equal(("Austin, TX", "35-40", "Sam"), (p.Location, p.AgeRange, p.Name));
        Assert.Equal(50, p.Completeness);
        Assert.Equal(["constraints", "beliefs", "interactionStyle", "lifestyle"], p.Missing);

        Intent(r.Intents[0], ContextType.Romantic, 25, ["relationshipTimeline", "exclusivityExpectation", "familyIntentions"], ("attractionImportance", "moderate"));
        Intent(r.Intents[1], ContextType.Professional, 50, ["commitmentHorizon", "complementarySkills"], ("partnershipType", "advisor"), ("equityOrRevShare", "equity"));

        Unmapped(r, ContextType.Romantic, ("intent", "\"someone to share memories with\""), ("preferences", """["adventure"]"""), ("dealbreakers", """["negative"]"""));
    }

    [Fact]
    public void User_qa3_with_an_empty_blob_and_a_context_without_a_Profile_row()
    {
        var r = Results["user_qa3"];
        Assert.Equal(0, r.Profile.Completeness);
        Assert.Equal(FieldCatalog.SharedFields, r.Profile.Missing);
        Intent(r.Intents[0], ContextType.Romantic, 0, ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"]);
        Intent(r.Intents[1], ContextType.Friendship, 0, ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"]);
        Assert.Empty(r.Findings);
    }

    private static void Json(string expected, string actual) => Assert.True(JsonValues.Equal(expected, actual), $"expected {expected}, got {actual}");

    private static void Intent(MergedIntent intent, ContextType type, int completeness, string[] missing, params (string Column, string Value)[] values)
    {
        Assert.Equal(type, intent.ContextType);
        Assert.Equal(completeness, intent.Completeness);
        Assert.Equal(missing, intent.Missing);
        foreach (var (column, value) in values)
        {
            Assert.Equal(value, intent[column]);
        }

        // Every other context's column is NULL.
        foreach (var column in FieldCatalog.IntentColumns.Except(FieldCatalog.FieldsOf(type)))
        {
            Assert.Null(intent[column]);
        }
    }

    private static void Unmapped(MergeResult r, ContextType type, params (string Key, string Value)[] expected)
    {
        var unmapped = r.Findings.OfType<UnmappedField>().ToArray();
        Assert.All(unmapped, u => Assert.Equal(type, u.ContextType));
        Assert.Equal(expected.Select(e => e.Key), unmapped.Select(u => u.Key));
        for (var i = 0; i < expected.Length; i++)
        {
            Json(expected[i].Value, unmapped[i].Value);
        }
    }

    /// <summary>Reads the QA users from the repository's sample-data file.</summary>
    internal static IEnumerable<SourceUser> Load()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")))
        {
            dir = dir.Parent;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "docs", "sample-data", "qa-users.json")));
        return document.RootElement.EnumerateArray().Select(u => new SourceUser(
            u.GetProperty("id").GetString()!,
            u.GetProperty("contexts").EnumerateArray().Select(c => new SourceContext(
                c.GetProperty("id").GetString()!,
                ContextTypes.Parse(c.GetProperty("contextType").GetString()!),
                c.GetProperty("createdAt").GetDateTime(),
                c.GetProperty("profile").ValueKind == JsonValueKind.Null ? null : c.GetProperty("profile").GetRawText())).ToArray())).ToArray();
    }
}
