using Matchmade.Core.Merge;
using static Matchmade.Core.Tests.Merge.MergeAssert;

namespace Matchmade.Core.Tests.Merge;

/// <summary>Every rule of RULES.md and docs/merge-decisions.md, one case at a time, on the pure merge function.</summary>
public sealed partial class ProfileMergerTests
{
    private static readonly string[] AllShared = ["coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "location", "ageRange", "name"];
    private static readonly string[] AllRomantic = ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"];
    private static readonly string[] AllFriendship = ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"];
    private static readonly string[] AllProfessional = ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"];
    private static readonly string[] AllService = ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"];

    private static void EmptyProfile(MergedProfile p)
    {
        Assert.Equal(("[]", "[]", "{}", "{}", "{}"), (p.CoreValues, p.Constraints, p.Beliefs, p.InteractionStyle, p.Lifestyle));
        Assert.Equal((null, null, null), (p.Location, p.AgeRange, p.Name));
        Assert.Equal(0, p.Completeness);
        Assert.Equal(AllShared, p.Missing);
    }

    [Fact]
    public void A_user_with_no_contexts_gets_an_empty_profile_and_no_intents()
    {
        var r = ProfileMerger.Merge(new SourceUser("lonely", []));
        Assert.Equal("lonely", r.Profile.UserId);
        EmptyProfile(r.Profile);
        Assert.Empty(r.Intents);
        Assert.Empty(r.Findings);
    }

    [Fact]
    public void Contexts_are_ordered_by_createdAt_then_enum_order_then_id()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"name":"D"}""", 9),
            Ctx(ContextType.Professional, """{"name":"C"}""", 5),
            Ctx(ContextType.Friendship, """{"name":"B"}""", 5),
            Ctx(ContextType.Service, """{"name":"A"}""", 1));
        Assert.Equal(["cp_service", "cp_friendship", "cp_professional", "cp_romantic"], r.Intents.Select(i => i.ContextProfileId));
        Assert.Equal("A", r.Profile.Name);
        Findings(r, """conflict u1 name [service:"A", friendship:"B", professional:"C", romantic:"D"] -> "A" """.TrimEnd());
    }

    [Fact]
    public void Equal_createdAt_and_type_fall_back_to_the_id_compared_ordinally()
    {
        // Two contexts of one type cannot happen for one user (unique index); the order is still fixed.
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"name":"lower"}""", 0, "cp_a"),
            Ctx(ContextType.Romantic, """{"name":"upper"}""", 0, "cp_B"));
        Assert.Equal(["cp_B", "cp_a"], r.Intents.Select(i => i.ContextProfileId));
        Assert.Equal("upper", r.Profile.Name);
        Assert.True(ProfileMerger.CompareContexts(Ctx(ContextType.Romantic, null, 0, "a"), Ctx(ContextType.Romantic, null, 0, "b")) < 0);
        Assert.True(ProfileMerger.CompareContexts(Ctx(ContextType.Service, null, 0), Ctx(ContextType.Romantic, null, 1)) < 0);
        Assert.True(ProfileMerger.CompareContexts(Ctx(ContextType.Creative, null, 0), Ctx(ContextType.Professional, null, 0)) > 0);
    }

    [Fact]
    public void A_millisecond_earlier_context_comes_first()
    {
        var later = new SourceContext("cp_1", ContextType.Romantic, T0.AddMilliseconds(1), """{"location":"Later"}""");
        var earlier = new SourceContext("cp_2", ContextType.Service, T0, """{"location":"Earlier"}""");
        var r = ProfileMerger.Merge(new SourceUser("u1", [later, earlier]));
        Assert.Equal("Earlier", r.Profile.Location);
        Assert.Equal([ContextType.Service, ContextType.Romantic], r.Intents.Select(i => i.ContextType));
    }

    [Fact]
    public void Arrays_concatenate_in_context_order_and_drop_later_JSON_equal_duplicates()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"coreValues":["honesty", 1, {"a":1,"b":[true,null]}, "honesty", null, ""]}""", 0),
            Ctx(ContextType.Friendship, """{"coreValues":["loyalty", 1.0, {"b":[true,null],"a":1e0}, "Honesty", null, "", 1e400, 1E+400], "constraints":["no smoking"]}""", 1));
        Assert.Equal("""["honesty",1,{"a":1,"b":[true,null]},null,"","loyalty","Honesty",1e400]""", r.Profile.CoreValues);
        Assert.Equal("""["no smoking"]""", r.Profile.Constraints);
        Assert.Empty(r.Findings);
    }

    [Fact]
    public void Arrays_drop_duplicates_within_one_context_too()
    {
        var r = MergeOf(Ctx(ContextType.Service, """{"constraints":["a","a","b",0,-0,0.0,1E2,100,"a",[1,[2]],[1,[2.0]],{"x":{"y":1}},{"x":{"y":1.00}}]}"""));
        Assert.Equal("""["a","b",0,1E2,[1,[2]],{"x":{"y":1}}]""", r.Profile.Constraints);
    }

    [Fact]
    public void Objects_merge_shallowly_and_a_key_with_different_values_in_three_contexts_is_one_conflict()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"beliefs":{"religion":"catholic","politics":"moderate"}}""", 0),
            Ctx(ContextType.Friendship, """{"beliefs":{"religion":"buddhist","diet":{"kind":"vegan"}}}""", 1),
            Ctx(ContextType.Professional, """{"beliefs":{"religion":"none","politics":"moderate"}}""", 2));
        Assert.Equal("""{"religion":"none","politics":"moderate","diet":{"kind":"vegan"}}""", r.Profile.Beliefs);
        Findings(r, """conflict u1 beliefs.religion [romantic:"catholic", friendship:"buddhist", professional:"none"] -> "none" """.TrimEnd());
        var conflict = Assert.IsType<Conflict>(Assert.Single(r.Findings));
        Assert.Equal("u1", conflict.UserId);
        Assert.Equal([ContextType.Romantic, ContextType.Friendship, ContextType.Professional], conflict.Candidates.Select(c => c.ContextType));
    }

    [Fact]
    public void The_merge_is_shallow_a_later_nested_object_with_other_inner_keys_replaces_the_earlier_one_whole()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"interactionStyle":{"x":{"a":1}}}""", 0),
            Ctx(ContextType.Friendship, """{"interactionStyle":{"x":{"b":2}}}""", 1));

        // Not a deep merge ({"x":{"a":1,"b":2}}): the key x competes as a whole, and the two values differ.
        Assert.Equal("""{"x":{"b":2}}""", r.Profile.InteractionStyle);
        Findings(r, """conflict u1 interactionStyle.x [romantic:{"a":1}, friendship:{"b":2}] -> {"b":2}""");
    }

    [Fact]
    public void An_absent_nested_value_never_overrides_a_present_one_and_is_no_conflict()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"lifestyle":{"diet":"vegan","sleep":null,"pets":"cat"}}""", 0),
            Ctx(ContextType.Friendship, """{"lifestyle":{"diet":"  ","sleep":"","pets":{},"music":null}}""", 1),
            Ctx(ContextType.Creative, """{"lifestyle":{"pets":"dog","diet":[]}}""", 2));

        // diet: only "vegan" is present; sleep and music only ever absent: kept with their last value.
        Assert.Equal("""{"diet":"vegan","sleep":"","pets":"dog","music":null}""", r.Profile.Lifestyle);
        Findings(r, """conflict u1 lifestyle.pets [romantic:"cat", creative:"dog"] -> "dog" """.TrimEnd());
    }

    [Fact]
    public void An_object_of_only_absent_values_is_itself_present()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"beliefs":{"religion":null}}"""));
        Assert.Equal("""{"religion":null}""", r.Profile.Beliefs);
        Assert.Equal(12, r.Profile.Completeness);
        Assert.DoesNotContain("beliefs", r.Profile.Missing);
    }

    [Fact]
    public void Equal_values_are_not_conflicts_and_the_later_one_is_written()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"location":"Berlin","lifestyle":{"n":1.50,"o":{"a":1,"b":2}}}""", 0),
            Ctx(ContextType.Friendship, """{"location":"Berlin","lifestyle":{"n":1.5,"o":{"b":2,"a":1.0}}}""", 1));
        Assert.Empty(r.Findings);
        Assert.Equal("Berlin", r.Profile.Location);
        Assert.Equal("""{"n":1.5,"o":{"b":2,"a":1.0}}""", r.Profile.Lifestyle);
    }

    [Fact]
    public void Nested_values_that_differ_anywhere_are_a_conflict()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"interactionStyle":{"tone":{"a":[1,2]},"pace":"slow"}}""", 0),
            Ctx(ContextType.Friendship, """{"interactionStyle":{"tone":{"a":[1,3]},"pace":"slow"}}""", 1));
        Assert.Equal("""{"tone":{"a":[1,3]},"pace":"slow"}""", r.Profile.InteractionStyle);
        Findings(r, """conflict u1 interactionStyle.tone [romantic:{"a":[1,2]}, friendship:{"a":[1,3]}] -> {"a":[1,3]}""");
    }

    [Fact]
    public void Strings_first_present_value_wins_untrimmed_and_whitespace_is_absent()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"location":"   ","ageRange":"","name":null}""", 0),
            Ctx(ContextType.Friendship, """{"location":"  Boston ","ageRange":"30-35","name":"\u00a0\t"}""", 1),
            Ctx(ContextType.Creative, """{"location":"NYC","ageRange":"30-35"}""", 2));
        Assert.Equal("  Boston ", r.Profile.Location);
        Assert.Equal("30-35", r.Profile.AgeRange);
        Assert.Null(r.Profile.Name);
        Assert.Equal(["coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "name"], r.Profile.Missing);
        Assert.Equal(25, r.Profile.Completeness);
        Findings(r, """conflict u1 location [friendship:"  Boston ", creative:"NYC"] -> "  Boston " """.TrimEnd());
    }

    [Fact]
    public void Strings_are_compared_ordinally()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"location":"nyc"}""", 0), Ctx(ContextType.Friendship, """{"location":"NYC"}""", 1));
        Assert.Equal("nyc", r.Profile.Location);
        Findings(r, """conflict u1 location [romantic:"nyc", friendship:"NYC"] -> "nyc" """.TrimEnd());
    }

    [Fact]
    public void Values_are_kept_exactly_numbers_at_full_precision()
    {
        var r = MergeOf(Ctx(ContextType.Professional, """{"lifestyle":{"big":123456789012345678901234567890,"huge":1e400,"tiny":0.10000000000000000000001,"neg":-0.0},"coreValues":[123456789012345678901234567890, 1E+400],"complementarySkills":[1e400, -0.000000000000000000000000000001]}"""));
        Assert.Equal("""{"big":123456789012345678901234567890,"huge":1e400,"tiny":0.10000000000000000000001,"neg":-0.0}""", r.Profile.Lifestyle);
        Assert.Equal("[123456789012345678901234567890,1E+400]", r.Profile.CoreValues);
        Assert.Equal("[1e400, -0.000000000000000000000000000001]", r.Intents[0]["complementarySkills"]);
    }

    [Fact]
    public void Unicode_is_kept_as_is_astral_planes_included()
    {
        var r = MergeOf(Ctx(ContextType.Professional, """{"name":"Zoë 🦄 李 שָׁלוֹם 𝔘","coreValues":["🦄","\ud83e\udd84"],"beliefs":{"café 🦄":"𝔘","caf\u00e9":"x"},"partnershipType":"co-founder 🤝","complementarySkills":["𝔘"]}"""));
        Assert.Equal("Zoë 🦄 李 שָׁלוֹם 𝔘", r.Profile.Name);
        Assert.Equal("""["🦄"]""", r.Profile.CoreValues); // the escaped unicorn is the same string
        Assert.Equal("""{"café 🦄":"𝔘","café":"x"}""", r.Profile.Beliefs);
        Assert.Equal("co-founder 🤝", r.Intents[0]["partnershipType"]);
        Assert.Equal("""["𝔘"]""", r.Intents[0]["complementarySkills"]);
    }

    [Fact]
    public void Keys_needing_escapes_are_written_as_valid_JSON()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"lifestyle":{"quote\"back\\slash\nnew\u0001":1}}"""));
        Assert.Equal("""{"quote\"back\\slash\nnew\u0001":1}""", r.Profile.Lifestyle);
        AssertJson("""{"quote\"back\\slash\nnew\u0001":1}""", r.Profile.Lifestyle);
    }

    [Theory]
    [InlineData("[1, 2]", "array")]
    [InlineData("\"just text\"", "string")]
    [InlineData("42", "number")]
    [InlineData("-1.5e300", "number")]
    [InlineData("false", "boolean")]
    [InlineData("true", "boolean")]
    [InlineData("[]", "array")]
    [InlineData("\"\"", "string")]
    public void A_blob_that_is_not_an_object_is_one_invalid_value_and_nothing_of_it_is_migrated(string blob, string kind)
    {
        var r = MergeOf(Ctx(ContextType.Romantic, blob), Ctx(ContextType.Friendship, """{"name":"Kept","friendshipDepth":"deep"}""", 1));
        Assert.Equal(new InvalidValue("u1", ContextType.Romantic, null, blob, $"the blob is a JSON {kind}, not an object; nothing of it was migrated"), Assert.Single(r.Findings));
        Assert.Equal(2, r.Intents.Count);
        Intent(r.Intents[0], ContextType.Romantic, 0, AllRomantic);
        Intent(r.Intents[1], ContextType.Friendship, 33, ["groupActivityPreference", "emotionalSupportExpectation"], ("friendshipDepth", "deep"));
        Assert.Equal("Kept", r.Profile.Name);
    }

    private static string Nest(int depth, string leaf) => new string('[', depth) + leaf + new string(']', depth);
}
