using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Tests.Merge;

/// <summary>Every rule of RULES.md, one case at a time, on the pure merge function.</summary>
public sealed class ProfileMergerTests
{
    private static readonly DateTime T0 = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    private static SourceContext Ctx(ContextType type, string? data, int minutes = 0, string? id = null) =>
        new(id ?? "cp_" + type.ToString().ToLowerInvariant(), type, T0.AddMinutes(minutes), data);

    private static MergeResult Merge(params SourceContext[] contexts) => ProfileMerger.Merge(new SourceUser("u1", contexts));

    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonValues.Equal(expected, actual), $"expected {expected}, got {actual}");

    [Fact]
    public void A_user_with_no_contexts_gets_an_empty_profile_and_no_intents()
    {
        var r = Merge();
        Assert.Empty(r.Intents);
        Assert.Empty(r.Findings);
        Assert.Equal("[]", r.Profile.CoreValues);
        Assert.Equal("{}", r.Profile.Beliefs);
        Assert.Null(r.Profile.Location);
        Assert.Equal(0, r.Profile.Completeness);
        Assert.Equal(FieldCatalog.SharedFields, r.Profile.Missing);
    }

    [Fact]
    public void Context_order_is_createdAt_then_enum_order_then_id()
    {
        // Same createdAt: friendship (enum 1) comes before professional (enum 2) whatever the input order.
        var r = Merge(
            Ctx(ContextType.Professional, """{"name":"Second"}""", 5),
            Ctx(ContextType.Friendship, """{"name":"First"}""", 5),
            Ctx(ContextType.Romantic, """{"name":"Later"}""", 9));
        Assert.Equal("First", r.Profile.Name);
        Assert.Equal([ContextType.Friendship, ContextType.Professional, ContextType.Romantic], r.Intents.Select(i => i.ContextType));
        var conflict = Assert.IsType<Conflict>(Assert.Single(r.Findings));
        Assert.Equal([ContextType.Friendship, ContextType.Professional, ContextType.Romantic], conflict.Candidates.Select(c => c.ContextType));

        // Same createdAt and type cannot happen for one user, but the id still orders deterministically.
        Assert.True(ProfileMerger.CompareContexts(Ctx(ContextType.Romantic, null, 0, "a"), Ctx(ContextType.Romantic, null, 0, "b")) < 0);
    }

    [Fact]
    public void Arrays_concatenate_in_context_order_and_drop_later_JSON_equal_duplicates()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"coreValues":["honesty", 1, {"a":1,"b":[true,null]}, "honesty"]}""", 0),
            Ctx(ContextType.Friendship, """{"coreValues":["loyalty", 1.0, {"b":[true,null],"a":1e0}, "Honesty"], "constraints":["x"]}""", 1));
        AssertJson("""["honesty", 1, {"a":1,"b":[true,null]}, "loyalty", "Honesty"]""", r.Profile.CoreValues);
        Assert.StartsWith("[\"honesty\",1,", r.Profile.CoreValues, StringComparison.Ordinal); // first occurrence kept, as stored
        AssertJson("""["x"]""", r.Profile.Constraints);
        Assert.Empty(r.Findings);
    }

    [Fact]
    public void Objects_merge_shallowly_later_present_value_wins_and_differences_are_key_conflicts()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"beliefs":{"religion":"catholic","politics":"moderate"}}""", 0),
            Ctx(ContextType.Friendship, """{"beliefs":{"religion":"buddhist","diet":{"kind":"vegan"}}}""", 1),
            Ctx(ContextType.Professional, """{"beliefs":{"religion":"none","politics":"moderate"}}""", 2));
        AssertJson("""{"religion":"none","politics":"moderate","diet":{"kind":"vegan"}}""", r.Profile.Beliefs);
        var conflict = Assert.IsType<Conflict>(Assert.Single(r.Findings));
        Assert.Equal("beliefs.religion", conflict.Field);
        Assert.Equal("\"none\"", conflict.Chosen);
        Assert.Equal(["\"catholic\"", "\"buddhist\"", "\"none\""], conflict.Candidates.Select(c => c.Value));
        Assert.Equal([ContextType.Romantic, ContextType.Friendship, ContextType.Professional], conflict.Candidates.Select(c => c.ContextType));
    }

    [Fact]
    public void An_absent_nested_value_never_overrides_a_present_one_and_is_no_conflict()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"lifestyle":{"diet":"vegan","sleep":null}}""", 0),
            Ctx(ContextType.Friendship, """{"lifestyle":{"diet":"  ","sleep":null,"pets":[]}}""", 1));
        AssertJson("""{"diet":"vegan","sleep":null,"pets":[]}""", r.Profile.Lifestyle);
        Assert.Empty(r.Findings);
        Assert.DoesNotContain("lifestyle", r.Profile.Missing);
    }

    [Fact]
    public void Equal_values_are_not_conflicts()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"location":"Berlin","lifestyle":{"n":1.50}}""", 0),
            Ctx(ContextType.Friendship, """{"location":"Berlin","lifestyle":{"n":1.5}}""", 1));
        Assert.Empty(r.Findings);
        Assert.Equal("Berlin", r.Profile.Location);
    }

    [Fact]
    public void Strings_first_present_value_wins_untrimmed_and_whitespace_is_absent()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"location":"   ","ageRange":"","name":null}""", 0),
            Ctx(ContextType.Friendship, """{"location":"  Boston ","ageRange":"30-35"}""", 1),
            Ctx(ContextType.Creative, """{"location":"NYC","ageRange":"30-35"}""", 2));
        Assert.Equal("  Boston ", r.Profile.Location);
        Assert.Equal("30-35", r.Profile.AgeRange);
        Assert.Null(r.Profile.Name);
        var conflict = Assert.IsType<Conflict>(Assert.Single(r.Findings));
        Assert.Equal("location", conflict.Field);
        Assert.Equal("\"  Boston \"", conflict.Chosen);
        Assert.Equal(["\"  Boston \"", "\"NYC\""], conflict.Candidates.Select(c => c.Value));
    }

    [Fact]
    public void Values_are_kept_exactly_numbers_at_full_precision_and_unicode_as_is()
    {
        var r = Merge(Ctx(ContextType.Professional, """{"lifestyle":{"big":123456789012345678901234567890,"huge":1e400,"tiny":0.10000000000000000000001},"name":"Zoë 🦄 李 שָׁלוֹם","complementarySkills":[1e400, "𝔘"]}"""));
        Assert.Contains("123456789012345678901234567890", r.Profile.Lifestyle, StringComparison.Ordinal);
        Assert.Contains("1e400", r.Profile.Lifestyle, StringComparison.Ordinal);
        Assert.Contains("0.10000000000000000000001", r.Profile.Lifestyle, StringComparison.Ordinal);
        Assert.Equal("Zoë 🦄 李 שָׁלוֹם", r.Profile.Name);
        Assert.Equal("""[1e400, "𝔘"]""", r.Intents[0]["complementarySkills"]);
    }

    [Theory]
    [InlineData("[1, 2]", "array")]
    [InlineData("\"just text\"", "string")]
    [InlineData("42", "number")]
    [InlineData("false", "boolean")]
    public void A_blob_that_is_not_an_object_is_reported_and_not_migrated(string blob, string kind)
    {
        var r = Merge(Ctx(ContextType.Romantic, blob), Ctx(ContextType.Friendship, """{"name":"Kept"}""", 1));
        var invalid = Assert.IsType<InvalidValue>(Assert.Single(r.Findings));
        Assert.Null(invalid.Field);
        Assert.Equal(ContextType.Romantic, invalid.ContextType);
        Assert.True(JsonValues.Equal(blob, invalid.Value));
        Assert.Contains(kind, invalid.Reason, StringComparison.Ordinal);
        Assert.Equal(2, r.Intents.Count);
        Assert.All(r.Intents[0].Values, Assert.Null);
        Assert.Equal(0, r.Intents[0].Completeness);
        Assert.Equal("Kept", r.Profile.Name);
    }

    [Fact]
    public void A_JSON_null_blob_and_a_missing_Profile_row_are_empty_objects_without_findings()
    {
        var r = Merge(Ctx(ContextType.Romantic, "null"), Ctx(ContextType.Service, null, 1));
        Assert.Empty(r.Findings);
        Assert.Equal(2, r.Intents.Count);
        Assert.Equal(["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"], r.Intents[0].Missing);
        Assert.Equal(["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"], r.Intents[1].Missing);
        Assert.All(r.Intents, i => Assert.Equal(0, i.Completeness));
    }

    [Fact]
    public void Wrong_JSON_types_are_invalid_values_and_not_migrated()
    {
        var r = Merge(Ctx(ContextType.Romantic, """{"coreValues":"honesty","beliefs":["x"],"location":5,"relationshipTimeline":3,"familyIntentions":{"kids":2},"attractionImportance":"high"}"""));
        var invalid = r.Findings.Cast<InvalidValue>().ToDictionary(f => f.Field!);
        Assert.Equal(["coreValues", "beliefs", "location", "relationshipTimeline", "familyIntentions"], invalid.Keys);
        Assert.Equal("\"honesty\"", invalid["coreValues"].Value);
        Assert.Equal("expected array, found string", invalid["coreValues"].Reason);
        Assert.Equal("expected object, found array", invalid["beliefs"].Reason);
        Assert.Equal("expected string, found number", invalid["location"].Reason);
        Assert.Equal("expected string, found number", invalid["relationshipTimeline"].Reason);
        Assert.Equal("expected string, found object", invalid["familyIntentions"].Reason);
        Assert.Equal("[]", r.Profile.CoreValues);
        Assert.Null(r.Profile.Location);
        Assert.Null(r.Intents[0]["relationshipTimeline"]);
        Assert.Equal("high", r.Intents[0]["attractionImportance"]);
        Assert.Equal(25, r.Intents[0].Completeness);
    }

    [Fact]
    public void Absent_values_of_a_mapped_field_are_not_invalid_whatever_their_type()
    {
        var r = Merge(Ctx(ContextType.Romantic, """{"coreValues":{},"beliefs":[],"location":[],"relationshipTimeline":"","name":null}"""));
        Assert.Empty(r.Findings);
        Assert.Equal(0, r.Profile.Completeness);
    }

    [Fact]
    public void Context_fields_come_only_from_their_own_context_and_others_are_unmapped()
    {
        var r = Merge(
            Ctx(ContextType.Romantic, """{"relationshipTimeline":"soon","serviceType":"plumbing","intent":"long-term","preferences":["hiking","jazz"],"dealbreakers":null}"""),
            Ctx(ContextType.Service, """{"serviceType":"tutoring"}""", 1));
        Assert.Equal("soon", r.Intents[0]["relationshipTimeline"]);
        Assert.Null(r.Intents[0]["serviceType"]);
        Assert.Equal("tutoring", r.Intents[1]["serviceType"]);
        var unmapped = r.Findings.Cast<UnmappedField>().ToArray();
        Assert.Equal(["serviceType", "intent", "preferences", "dealbreakers"], unmapped.Select(u => u.Key));
        Assert.All(unmapped, u => Assert.Equal(ContextType.Romantic, u.ContextType));
        Assert.Equal("\"plumbing\"", unmapped[0].Value);
        Assert.Equal("null", unmapped[3].Value);
        AssertJson("""["hiking","jazz"]""", unmapped[2].Value);
    }

    [Fact]
    public void Keys_are_matched_exactly()
    {
        var r = Merge(Ctx(ContextType.Romantic, """{"Location":"x","core values":["y"],"beliefs.religion":"z"}"""));
        Assert.Equal(["Location", "core values", "beliefs.religion"], r.Findings.Cast<UnmappedField>().Select(u => u.Key));
        Assert.Null(r.Profile.Location);
    }

    [Theory]
    [InlineData("[\"a\"]")]
    [InlineData("{\"a\":1}")]
    [InlineData("\"text\"")]
    [InlineData("7")]
    [InlineData("true")]
    public void ComplementarySkills_takes_any_present_JSON_value(string value)
    {
        var r = Merge(Ctx(ContextType.Professional, $$"""{"complementarySkills":{{value}}}"""));
        Assert.Empty(r.Findings);
        Assert.Equal(value, r.Intents[0]["complementarySkills"]);
        Assert.DoesNotContain("complementarySkills", r.Intents[0].Missing);
    }

    [Fact]
    public void Completeness_is_floor_of_present_over_fields_and_missing_keeps_catalog_order()
    {
        var r = Merge(
            Ctx(ContextType.Friendship, """{"name":"A","coreValues":["x"],"lifestyle":{"a":1},"friendshipDepth":"deep"}"""),
            Ctx(ContextType.Creative, """{"creativeType":"music","roleNeeded":"drummer","processStyle":"jam"}""", 1));
        Assert.Equal(37, r.Profile.Completeness); // 3 of 8
        Assert.Equal(["constraints", "beliefs", "interactionStyle", "location", "ageRange"], r.Profile.Missing);
        Assert.Equal(33, r.Intents[0].Completeness); // 1 of 3
        Assert.Equal(["groupActivityPreference", "emotionalSupportExpectation"], r.Intents[0].Missing);
        Assert.Equal(60, r.Intents[1].Completeness); // 3 of 5
        Assert.Equal(["egoBalance", "compensationExpectation"], r.Intents[1].Missing);
    }

    [Fact]
    public void A_full_profile_is_100_percent()
    {
        var r = Merge(Ctx(ContextType.Service, """{"coreValues":["a"],"constraints":["b"],"beliefs":{"c":1},"interactionStyle":{"d":1},"lifestyle":{"e":1},"location":"f","ageRange":"g","name":"h","serviceType":"i","budgetRange":"j","timelineNeeded":"k","credentialsRequired":"l"}"""));
        Assert.Equal(100, r.Profile.Completeness);
        Assert.Empty(r.Profile.Missing);
        Assert.Equal(100, r.Intents[0].Completeness);
    }

    [Fact]
    public void Every_key_of_every_blob_lands_in_exactly_one_place()
    {
        var blob = """{"name":"A","coreValues":"bad","relationshipTimeline":"soon","friendshipDepth":"x","hobby":"chess","location":null}""";
        var r = Merge(Ctx(ContextType.Romantic, blob));
        // name -> column, coreValues -> invalid, relationshipTimeline -> column, friendshipDepth/hobby -> unmapped, location absent.
        Assert.Equal("A", r.Profile.Name);
        Assert.Equal("soon", r.Intents[0]["relationshipTimeline"]);
        Assert.Equal(["coreValues"], r.Findings.OfType<InvalidValue>().Select(f => f.Field!));
        Assert.Equal(["friendshipDepth", "hobby"], r.Findings.OfType<UnmappedField>().Select(f => f.Key));
    }

    [Fact]
    public void Deep_nesting_and_large_strings_are_handled()
    {
        var depth = 2000;
        var deep = new string('[', depth) + "1" + new string(']', depth);
        var big = new string('x', 10 * 1024 * 1024);
        var r = Merge(Ctx(ContextType.Professional, $$"""{"complementarySkills":{{deep}},"lifestyle":{"deep":{{deep}}},"name":"{{big}}"}"""));
        Assert.Empty(r.Findings);
        Assert.Equal(deep, r.Intents[0]["complementarySkills"]);
        Assert.Equal(big.Length, r.Profile.Name!.Length);
        Assert.True(JsonValues.Equal(deep, deep));
        Assert.False(JsonValues.Equal(deep, deep.Replace("1", "2", StringComparison.Ordinal)));
    }

    [Fact]
    public void Text_that_is_not_JSON_is_an_invalid_blob()
    {
        var r = Merge(Ctx(ContextType.Romantic, "{not json"));
        var invalid = Assert.IsType<InvalidValue>(Assert.Single(r.Findings));
        Assert.Null(invalid.Field);
        Assert.Contains("not valid JSON", invalid.Reason, StringComparison.Ordinal);
        Assert.Equal("\"{not json\"", invalid.Value);
    }

    [Fact]
    public void The_merge_is_deterministic()
    {
        var contexts = new[] { Ctx(ContextType.Creative, """{"beliefs":{"a":1},"name":"x"}""", 3), Ctx(ContextType.Romantic, """{"beliefs":{"a":2},"name":"y"}""", 3) };
        var a = Merge(contexts);
        var b = Merge(contexts.Reverse().ToArray());
        Assert.Equal(a.Profile.Beliefs, b.Profile.Beliefs);
        Assert.Equal(a.Profile.Name, b.Profile.Name);
        Assert.Equal(a.Findings, b.Findings, (x, y) => x.ToString() == y.ToString() && (x is not Conflict cx || y is Conflict cy && cx.Candidates.SequenceEqual(cy.Candidates)));
    }
}
