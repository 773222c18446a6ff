using Matchmade.Core.Merge;

namespace Matchmade.Core.Tests.Merge;

/// <summary>
/// The seed's three QA users ("3 users, 7 context intents: 3 romantic, 2 friendship, 2 professional; 0 conflicts;
/// 2 users with unmapped fields") as plain data. docs/sample-data/qa-users.json holds exactly the same data (the
/// fixtures load that file into PostgreSQL); <see cref="QaUsersTests"/> checks that the two agree.
/// </summary>
internal static class QaUsers
{
    internal sealed record QaContext(string Id, string ContextType, DateTime CreatedAt, string? Profile);

    internal sealed record QaUser(string Id, string Email, DateTime CreatedAt, IReadOnlyList<QaContext> Contexts);

    public static IReadOnlyList<QaUser> All { get; } =
    [
        new QaUser("user_qa1", "qa1@matchmade.test", Utc(2025, 12, 1, 9, 0),
        [
            new QaContext("cp_qa1_romantic", "romantic", Utc(2025, 12, 1, 9, 5), """
                {
                  "name": "Alex",
                  "location": "San Francisco, CA",
                  "ageRange": "28-32",
                  "coreValues": ["honesty", "curiosity"],
                  "beliefs": { "religion": "agnostic" },
                  "lifestyle": { "exercise": "weekly hikes", "diet": "vegetarian" },
                  "relationshipTimeline": "within 1-2 years",
                  "exclusivityExpectation": "monogamous",
                  "familyIntentions": "wants kids someday",
                  "intent": "long-term",
                  "preferences": ["hiking", "jazz"],
                  "dealbreakers": ["smoking"]
                }
                """),
            new QaContext("cp_qa1_friendship", "friendship", Utc(2025, 12, 2, 10, 0), """
                {
                  "name": "Alex",
                  "coreValues": ["curiosity", "loyalty"],
                  "interactionStyle": { "communication": "direct", "energy": "introvert" },
                  "friendshipDepth": "a few close friends",
                  "groupActivityPreference": "small groups"
                }
                """),
            new QaContext("cp_qa1_professional", "professional", Utc(2025, 12, 3, 11, 0), """
                {
                  "location": "San Francisco, CA",
                  "constraints": ["remote only"],
                  "partnershipType": "co-founder",
                  "commitmentHorizon": "3+ years",
                  "complementarySkills": ["sales", "fundraising"]
                }
                """),
        ]),
        new QaUser("cmjfwhbqb0000qe2g6xd8iww9", "qa2@matchmade.test", Utc(2025, 12, 4, 8, 0),
        [
            new QaContext("cmjfwhbqc0001qe2gq8h1x2ab", "romantic", Utc(2025, 12, 4, 8, 10), """
                {
                  "name": "Sam",
                  "ageRange": "35-40",
                  "coreValues": ["kindness", "family"],
                  "attractionImportance": "moderate",
                  "intent": "someone to share memories with",
                  "preferences": ["adventure"],
                  "dealbreakers": ["negative"]
                }
                """),
            new QaContext("cmjfwhbqc0002qe2g7r5k9mcd", "professional", Utc(2025, 12, 5, 12, 30), """
                {
                  "name": "Sam",
                  "location": "Austin, TX",
                  "equityOrRevShare": "equity",
                  "partnershipType": "advisor"
                }
                """),
        ]),

        // The seed's two "no data" edge cases: a Profile row holding {} and a ContextProfile with no Profile row.
        new QaUser("user_qa3", "qa3@matchmade.test", Utc(2025, 12, 6, 14, 0),
        [
            new QaContext("cp_qa3_romantic", "romantic", Utc(2025, 12, 6, 14, 2), "{}"),
            new QaContext("cp_qa3_friendship", "friendship", Utc(2025, 12, 6, 14, 3), null),
        ]),
    ];

    public static SourceUser ToSource(QaUser user)
    {
        var contexts = new SourceContext[user.Contexts.Count];
        for (var i = 0; i < contexts.Length; i++)
        {
            var c = user.Contexts[i];
            contexts[i] = new SourceContext(c.Id, ContextTypes.Parse(c.ContextType), c.CreatedAt, c.Profile);
        }

        return new SourceUser(user.Id, contexts);
    }

    private static DateTime Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, DateTimeKind.Utc);
}
