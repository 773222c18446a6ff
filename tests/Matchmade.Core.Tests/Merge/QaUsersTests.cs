using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using static Matchmade.Core.Tests.Merge.MergeAssert;

namespace Matchmade.Core.Tests.Merge;

/// <summary>
/// The seed's three QA users (<see cref="QaUsers"/>, the same data as docs/sample-data/qa-users.json) with their
/// expected rows written out by hand: 3 ProfileNew, 7 ContextIntent (3 romantic, 2 friendship, 2 professional),
/// no conflicts, unmapped intent/preferences/dealbreakers in the two romantic blobs the seed names.
/// </summary>
public sealed class QaUsersTests
{
    private static readonly Dictionary<string, MergeResult> Results = QaUsers.All.ToDictionary(u => u.Id, u => ProfileMerger.Merge(QaUsers.ToSource(u)));

    [Fact]
    public void Totals_match_the_seed_log()
    {
        Assert.Equal(["user_qa1", "cmjfwhbqb0000qe2g6xd8iww9", "user_qa3"], Results.Keys);
        Assert.Equal(7, Results.Values.Sum(r => r.Intents.Count));
        Assert.Equal(
            "friendship:2,professional:2,romantic:3",
            string.Join(",", Results.Values.SelectMany(r => r.Intents).GroupBy(i => ContextTypes.ToDbName(i.ContextType)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Count()}")));
        var findings = Results.Values.SelectMany(r => r.Findings).ToList();
        Assert.Empty(findings.OfType<Conflict>());
        Assert.Empty(findings.OfType<InvalidValue>());
        Assert.Equal(6, findings.Count);
        Assert.Equal(
            [("user_qa1", ContextType.Romantic), ("cmjfwhbqb0000qe2g6xd8iww9", ContextType.Romantic)],
            findings.OfType<UnmappedField>().Select(u => (u.UserId, u.ContextType)).Distinct());
    }

    [Fact]
    public void User_qa1()
    {
        var r = Results["user_qa1"];
        var p = r.Profile;
        Assert.Equal("user_qa1", p.UserId);
        Assert.Equal("""["honesty","curiosity","loyalty"]""", p.CoreValues);
        Assert.Equal("""["remote only"]""", p.Constraints);
        Assert.Equal("""{"religion":"agnostic"}""", p.Beliefs);
        Assert.Equal("""{"communication":"direct","energy":"introvert"}""", p.InteractionStyle);
        Assert.Equal("""{"exercise":"weekly hikes","diet":"vegetarian"}""", p.Lifestyle);
        Assert.Equal("San Francisco, CA", p.Location);
        Assert.Equal("28-32", p.AgeRange);
        Assert.Equal("Alex", p.Name);
        Assert.Equal(100, p.Completeness);
        Assert.Empty(p.Missing);

        Assert.Equal(["cp_qa1_romantic", "cp_qa1_friendship", "cp_qa1_professional"], r.Intents.Select(i => i.ContextProfileId));
        Intent(r.Intents[0], ContextType.Romantic, 75, ["attractionImportance"],
            ("relationshipTimeline", "within 1-2 years"), ("exclusivityExpectation", "monogamous"), ("familyIntentions", "wants kids someday"));
        Intent(r.Intents[1], ContextType.Friendship, 66, ["emotionalSupportExpectation"],
            ("friendshipDepth", "a few close friends"), ("groupActivityPreference", "small groups"));
        Intent(r.Intents[2], ContextType.Professional, 75, ["equityOrRevShare"],
            ("partnershipType", "co-founder"), ("commitmentHorizon", "3+ years"), ("complementarySkills", """["sales", "fundraising"]"""));

        Findings(r,
            """unmapped user_qa1 romantic intent = "long-term" """.TrimEnd(),
            """unmapped user_qa1 romantic preferences = ["hiking", "jazz"]""",
            """unmapped user_qa1 romantic dealbreakers = ["smoking"]""");
    }

    [Fact]
    public void User_cmjfwhbqb0000qe2g6xd8iww9()
    {
        var r = Results["cmjfwhbqb0000qe2g6xd8iww9"];
        var p = r.Profile;
        Assert.Equal("""["kindness","family"]""", p.CoreValues);
        Assert.Equal(("[]", "{}", "{}", "{}"), (p.Constraints, p.Beliefs, p.InteractionStyle, p.Lifestyle));
        Assert.Equal(("Austin, TX", "35-40", "Sam"), (p.Location, p.AgeRange, p.Name));
        Assert.Equal(50, p.Completeness);
        Assert.Equal(["constraints", "beliefs", "interactionStyle", "lifestyle"], p.Missing);

        Assert.Equal(["cmjfwhbqc0001qe2gq8h1x2ab", "cmjfwhbqc0002qe2g7r5k9mcd"], r.Intents.Select(i => i.ContextProfileId));
        Intent(r.Intents[0], ContextType.Romantic, 25, ["relationshipTimeline", "exclusivityExpectation", "familyIntentions"], ("attractionImportance", "moderate"));
        Intent(r.Intents[1], ContextType.Professional, 50, ["commitmentHorizon", "complementarySkills"], ("partnershipType", "advisor"), ("equityOrRevShare", "equity"));

        Findings(r,
            """unmapped cmjfwhbqb0000qe2g6xd8iww9 romantic intent = "someone to share memories with" """.TrimEnd(),
            """unmapped cmjfwhbqb0000qe2g6xd8iww9 romantic preferences = ["adventure"]""",
            """unmapped cmjfwhbqb0000qe2g6xd8iww9 romantic dealbreakers = ["negative"]""");
    }

    [Fact]
    public void User_qa3_with_an_empty_blob_and_a_context_without_a_Profile_row()
    {
        var r = Results["user_qa3"];
        var p = r.Profile;
        Assert.Equal(("[]", "[]", "{}", "{}", "{}"), (p.CoreValues, p.Constraints, p.Beliefs, p.InteractionStyle, p.Lifestyle));
        Assert.Equal((null, null, null), (p.Location, p.AgeRange, p.Name));
        Assert.Equal(0, p.Completeness);
        Assert.Equal(["coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "location", "ageRange", "name"], p.Missing);
        Assert.Equal(["cp_qa3_romantic", "cp_qa3_friendship"], r.Intents.Select(i => i.ContextProfileId));
        Intent(r.Intents[0], ContextType.Romantic, 0, ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"]);
        Intent(r.Intents[1], ContextType.Friendship, 0, ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"]);
        Assert.Empty(r.Findings);
    }

    [Fact]
    public void The_sample_data_file_holds_exactly_the_same_users()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "docs", "sample-data", "qa-users.json")));
        var users = document.RootElement.EnumerateArray().ToArray();
        Assert.Equal(QaUsers.All.Count, users.Length);
        for (var u = 0; u < users.Length; u++)
        {
            var expected = QaUsers.All[u];
            var user = users[u];
            Assert.Equal(["id", "email", "createdAt", "contexts"], user.EnumerateObject().Select(p => p.Name));
            Assert.Equal(expected.Id, user.GetProperty("id").GetString());
            Assert.Equal(expected.Email, user.GetProperty("email").GetString());
            Assert.Equal(Iso(expected.CreatedAt), user.GetProperty("createdAt").GetString());
            var contexts = user.GetProperty("contexts").EnumerateArray().ToArray();
            Assert.Equal(expected.Contexts.Count, contexts.Length);
            for (var c = 0; c < contexts.Length; c++)
            {
                var want = expected.Contexts[c];
                var context = contexts[c];
                Assert.Equal(["id", "contextType", "createdAt", "profile"], context.EnumerateObject().Select(p => p.Name));
                Assert.Equal(want.Id, context.GetProperty("id").GetString());
                Assert.Equal(want.ContextType, context.GetProperty("contextType").GetString());
                Assert.Equal(Iso(want.CreatedAt), context.GetProperty("createdAt").GetString());
                var profile = context.GetProperty("profile");
                if (want.Profile is null)
                {
                    Assert.Equal(JsonValueKind.Null, profile.ValueKind);
                }
                else
                {
                    using var wanted = JsonDocument.Parse(want.Profile);
                    Assert.True(JsonValues.Equal(wanted.RootElement, profile), $"{want.Id}: the file's profile differs from QaUsers.cs");
                }
            }
        }
    }

    private static string Iso(DateTime utc)
    {
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>The repository root: the nearest folder above the test binaries holding Matchmade.psd1.</summary>
    internal static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Matchmade.psd1 not found above " + AppContext.BaseDirectory);
    }
}
