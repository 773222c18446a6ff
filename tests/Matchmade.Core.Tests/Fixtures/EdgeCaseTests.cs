using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>A database with 1,000 synthetic users (seed 7), loaded once for <see cref="EdgeCaseTests"/>.</summary>
public sealed class ThousandUsers : IDisposable
{
    public ThousandUsers()
    {
        Database = DatabaseFixture.CreateFresh("edge_cases");
        using var c = Database.Open();
        Loaded = SampleData.LoadSynthetic(c, 1000, seed: 7);
    }

    public DatabaseFixture Database { get; }

    public SampleLoadResult Loaded { get; }

    public void Dispose() => Database.Dispose();
}

/// <summary>Every edge case of RULES.md is in 1,000 generated users: each one found by querying the loaded rows.</summary>
public sealed class EdgeCaseTests(ThousandUsers data) : IClassFixture<ThousandUsers>
{
    private const string Profiles = "\"Profile\" p JOIN \"ContextProfile\" cp ON cp.id = p.\"contextProfileId\"";

    /// <summary>Each key/value of the blobs that are objects.</summary>
    private const string Entries = Profiles + " CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}' END) e";

    /// <summary>Every value anywhere in a blob (the blob, members, elements, recursively).</summary>
    private const string AllValues = "\"Profile\" p CROSS JOIN LATERAL jsonb_path_query(p.data, 'strict $.**') v";

    private const string Shared = "('name', 'location', 'ageRange', 'coreValues', 'constraints', 'beliefs', 'interactionStyle', 'lifestyle')";

    private static readonly Dictionary<string, string[]> ContextFields = new()
    {
        ["romantic"] = ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"],
        ["friendship"] = ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"],
        ["professional"] = ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"],
        ["creative"] = ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"],
        ["service"] = ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"],
    };

    /// <summary>(contextType, field) for every context field: a VALUES list.</summary>
    private static readonly string Fields = "(VALUES " + string.Join(", ", ContextFields.SelectMany(kv => kv.Value.Select(f => $"('{kv.Key}', '{f}')"))) + ") f(t, k)";

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>
        {
            { "a user with no ContextProfile", "SELECT count(*) FROM \"User\" u WHERE NOT EXISTS (SELECT 1 FROM \"ContextProfile\" cp WHERE cp.\"userId\" = u.id)" },
            { "a ContextProfile with no Profile row", "SELECT count(*) FROM \"ContextProfile\" cp WHERE NOT EXISTS (SELECT 1 FROM \"Profile\" p WHERE p.\"contextProfileId\" = cp.id)" },
            { "a blob that is JSON null", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'null'" },
            { "a blob that is an array", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'array'" },
            { "a blob that is a string", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'string'" },
            { "a blob that is a number", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'number'" },
            { "a blob that is a boolean", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'boolean'" },
            { "a blob that is {}", "SELECT count(*) FROM \"Profile\" WHERE data = '{}'::jsonb" },
            { "an absent value inside a shared object", $"SELECT count(*) FROM {Entries} CROSS JOIN LATERAL jsonb_each(e.value) i WHERE e.key IN ('beliefs', 'interactionStyle', 'lifestyle') AND jsonb_typeof(e.value) = 'object' AND i.value IN ('null', '\"\"', '\"  \"')" },
            { "the same array element in two contexts of a user", $"SELECT count(*) FROM (SELECT 1 FROM {Profiles} CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.data->'coreValues') = 'array' THEN p.data->'coreValues' ELSE '[]' END) a GROUP BY cp.\"userId\", a.value HAVING count(DISTINCT cp.id) > 1) x" },
            { "JSON-equal array elements written differently (1 and 1.0)", $"SELECT count(*) FROM (SELECT 1 FROM {Profiles} CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.data->'coreValues') = 'array' THEN p.data->'coreValues' ELSE '[]' END) a GROUP BY cp.\"userId\", a.value HAVING count(DISTINCT a.value::text) > 1) x" },
            { "the same array element twice in one blob", "SELECT count(*) FROM (SELECT 1 FROM \"Profile\" p CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(p.data->'coreValues') = 'array' THEN p.data->'coreValues' ELSE '[]' END) a GROUP BY p.id, a.value HAVING count(*) > 1) x" },
            { "coreValues: \"honesty\" (a string for an array)", "SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data->'coreValues') = 'string'" },
            { "a context field that is a number", $"SELECT count(*) FROM {Entries} JOIN {Fields} ON f.t = cp.\"contextType\"::text AND f.k = e.key WHERE f.k <> 'complementarySkills' AND jsonb_typeof(e.value) = 'number'" },
            { "a context field that is an object", $"SELECT count(*) FROM {Entries} JOIN {Fields} ON f.t = cp.\"contextType\"::text AND f.k = e.key WHERE f.k <> 'complementarySkills' AND jsonb_typeof(e.value) = 'object' AND e.value <> '{{}}'" },
            { "another context type's field", $"SELECT count(*) FROM {Entries} JOIN {Fields} ON f.k = e.key AND f.t <> cp.\"contextType\"::text WHERE e.value <> 'null'" },
            { "an unmapped key other than the seed's", $"SELECT count(*) FROM {Entries} WHERE e.key NOT IN {Shared} AND e.key NOT IN (SELECT k FROM {Fields}) AND e.key NOT IN ('intent', 'preferences', 'dealbreakers')" },
            { "a number with 30 digits", $"SELECT count(*) FROM {AllValues} WHERE jsonb_typeof(v) = 'number' AND v::text ~ '^-?[0-9]{{30}}$'" },
            { "1e400", $"SELECT count(*) FROM {AllValues} WHERE jsonb_typeof(v) = 'number' AND length(v::text) > 400" },
            { "a string with leading or trailing spaces", $"SELECT count(*) FROM {AllValues} WHERE jsonb_typeof(v) = 'string' AND v #>> '{{}}' <> btrim(v #>> '{{}}') AND btrim(v #>> '{{}}') <> ''" },
            { "text beyond the BMP (emoji, CJK extension B)", "SELECT count(*) FROM \"Profile\" WHERE data::text ~ '[\\U00010000-\\U0010FFFF]'" },
            { "CJK text", "SELECT count(*) FROM \"Profile\" WHERE data::text ~ '[\\u4e00-\\u9fff]'" },
            { "right-to-left text (Hebrew, Arabic)", "SELECT count(*) FROM \"Profile\" WHERE data::text ~ '[\\u0590-\\u06ff]'" },
            { "two contexts of a user created in the same millisecond", "SELECT count(*) FROM (SELECT 1 FROM \"ContextProfile\" GROUP BY \"userId\", \"createdAt\" HAVING count(*) > 1) x" },
            { "ChatMessages", "SELECT count(*) FROM \"ChatMessage\"" },
            { "a ContextProfile without ChatMessages", "SELECT count(*) FROM \"ContextProfile\" cp WHERE NOT EXISTS (SELECT 1 FROM \"ChatMessage\" m WHERE m.\"contextProfileId\" = cp.id)" },
        };

        foreach (var (form, json) in new[] { ("null", "null"), ("\"\"", "\"\""), ("\"   \"", "\"   \""), ("[]", "[]"), ("{}", "{}") })
        {
            cases.Add($"a shared field that is {form}", $"SELECT count(*) FROM {Entries} WHERE e.key IN {Shared} AND e.value = '{json}'::jsonb");
            cases.Add($"a context field that is {form}", $"SELECT count(*) FROM {Entries} JOIN {Fields} ON f.t = cp.\"contextType\"::text AND f.k = e.key WHERE e.value = '{json}'::jsonb");
        }

        foreach (var path in new[] { "location", "ageRange", "name", "beliefs,religion", "interactionStyle,energy" })
        {
            // A user whose contexts hold two different present strings at the same place.
            cases.Add($"a conflict on {path.Replace(',', '.')}", $$"""
                SELECT count(*) FROM (SELECT 1 FROM {{Profiles}}
                WHERE jsonb_typeof(p.data #> '{{{path}}}') = 'string' AND btrim(p.data #>> '{{{path}}}') <> ''
                GROUP BY cp."userId" HAVING count(DISTINCT p.data #>> '{{{path}}}') > 1) x
                """);
        }

        foreach (var (field, type) in new[] { ("name", "string"), ("location", "string"), ("ageRange", "string"), ("coreValues", "array"), ("constraints", "array"), ("beliefs", "object"), ("interactionStyle", "object"), ("lifestyle", "object") })
        {
            cases.Add($"{field} of the wrong JSON type", $"SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data->'{field}') NOT IN ('{type}', 'null')");
        }

        foreach (var key in new[] { "intent", "preferences", "dealbreakers" })
        {
            cases.Add($"the seed's unmapped key {key}", $"SELECT count(*) FROM \"Profile\" WHERE jsonb_typeof(data) = 'object' AND data ? '{key}'");
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Is_in_the_data(string edgeCase, string sql)
    {
        using var c = data.Database.Open();
        Assert.True(Scalar<long>(c, sql) > 0, $"no {edgeCase} in 1,000 users");
    }

    [Fact]
    public void The_data_is_otherwise_ordinary_and_the_counts_are_right()
    {
        using var c = data.Database.Open();
        Assert.Equal(1000L, Scalar<long>(c, "SELECT count(*) FROM \"User\""));
        Assert.Equal(data.Loaded.ContextProfiles, Scalar<long>(c, "SELECT count(*) FROM \"ContextProfile\""));
        Assert.Equal(data.Loaded.Profiles, Scalar<long>(c, "SELECT count(*) FROM \"Profile\""));
        Assert.Equal(data.Loaded.ChatMessages, Scalar<long>(c, "SELECT count(*) FROM \"ChatMessage\""));
        var mean = Scalar<double>(c, "SELECT avg(n)::float8 FROM (SELECT count(cp.id) n FROM \"User\" u LEFT JOIN \"ContextProfile\" cp ON cp.\"userId\" = u.id GROUP BY u.id) x");
        Assert.InRange(mean, 2.3, 2.7);
        Assert.Equal(5, Scalar<int>(c, "SELECT max(n)::int FROM (SELECT count(*) n FROM \"ContextProfile\" GROUP BY \"userId\") x"));
        Assert.Equal(5L, Scalar<long>(c, "SELECT count(DISTINCT \"contextType\") FROM \"ContextProfile\""));
        // Blobs of a few hundred bytes to a few KB.
        Assert.InRange(Scalar<double>(c, "SELECT avg(octet_length(data::text))::float8 FROM \"Profile\" WHERE jsonb_typeof(data) = 'object' AND data <> '{}'"), 250, 1500);
        Assert.InRange(Scalar<int>(c, "SELECT max(octet_length(data::text)) FROM \"Profile\""), 1500, 8000);
        // Most blobs are clean objects with values of the right types.
        Assert.True(Scalar<double>(c, "SELECT avg(CASE WHEN jsonb_typeof(data) = 'object' AND jsonb_typeof(coalesce(data->'coreValues', '[]')) = 'array' THEN 1 ELSE 0 END)::float8 FROM \"Profile\"") > 0.95);
        Assert.Equal(0L, Scalar<long>(c, """
            SELECT (SELECT count(*) FROM "User" WHERE id !~ '^c[0-9a-z]{24}$' OR "updatedAt" < "createdAt")
                 + (SELECT count(*) FROM "ContextProfile" WHERE id !~ '^c[0-9a-z]{24}$' OR "updatedAt" < "createdAt")
                 + (SELECT count(*) FROM "Profile" WHERE id !~ '^c[0-9a-z]{24}$' OR "updatedAt" < "createdAt")
                 + (SELECT count(*) FROM "ChatMessage" WHERE id !~ '^c[0-9a-z]{24}$')
            """));
    }
}
