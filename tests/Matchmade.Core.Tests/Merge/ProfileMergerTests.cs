using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using static Matchmade.Core.Tests.Merge.MergeAssert;

namespace Matchmade.Core.Tests.Merge;

/// <summary>Every rule of RULES.md and docs/merge-decisions.md, one case at a time, on the pure merge function.</summary>
public sealed class ProfileMergerTests
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

    [Fact]
    public void A_JSON_null_blob_and_a_missing_Profile_row_are_empty_objects_without_findings()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, "null"), Ctx(ContextType.Service, null, 1), Ctx(ContextType.Friendship, " null ", 2));
        Assert.Empty(r.Findings);
        EmptyProfile(r.Profile);
        Intent(r.Intents[0], ContextType.Romantic, 0, AllRomantic);
        Intent(r.Intents[1], ContextType.Service, 0, AllService);
        Intent(r.Intents[2], ContextType.Friendship, 0, AllFriendship);
        Assert.Equal(["cp_romantic", "cp_service", "cp_friendship"], r.Intents.Select(i => i.ContextProfileId));
    }

    [Theory]
    [InlineData("{not json", "\"{not json\"")]
    [InlineData("", "\"\"")]
    [InlineData("{\"a\":1} trailing", "\"{\\\"a\\\":1} trailing\"")]
    [InlineData("{\"a\":\n", "\"{\\\"a\\\":\\n\"")]
    [InlineData("{'a':1}", "\"{'a':1}\"")]
    public void Text_that_is_not_JSON_is_an_invalid_blob_with_the_text_as_a_JSON_string(string blob, string value)
    {
        var r = MergeOf(Ctx(ContextType.Creative, blob), Ctx(ContextType.Service, """{"serviceType":"tutoring"}""", 1));
        Assert.Equal(new InvalidValue("u1", ContextType.Creative, null, value, "not valid JSON"), Assert.Single(r.Findings));
        Assert.Equal(blob, System.Text.Json.JsonSerializer.Deserialize<string>(value));
        Intent(r.Intents[0], ContextType.Creative, 0, ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"]);
        Assert.Equal("tutoring", r.Intents[1]["serviceType"]);
    }

    [Fact]
    public void Wrong_JSON_types_of_shared_fields_are_invalid_values_and_not_migrated()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"coreValues":"honesty","constraints":{"a":1},"beliefs":["x"],"interactionStyle":"warm","lifestyle":42,"location":5,"ageRange":["30-35"],"name":true,"attractionImportance":"high"}"""));
        Findings(r,
            """invalid u1 romantic coreValues = "honesty" (expected array, found string)""",
            """invalid u1 romantic constraints = {"a":1} (expected array, found object)""",
            """invalid u1 romantic beliefs = ["x"] (expected object, found array)""",
            """invalid u1 romantic interactionStyle = "warm" (expected object, found string)""",
            """invalid u1 romantic lifestyle = 42 (expected object, found number)""",
            """invalid u1 romantic location = 5 (expected string, found number)""",
            """invalid u1 romantic ageRange = ["30-35"] (expected string, found array)""",
            """invalid u1 romantic name = true (expected string, found boolean)""");
        EmptyProfile(r.Profile);
        Intent(r.Intents[0], ContextType.Romantic, 25, ["relationshipTimeline", "exclusivityExpectation", "familyIntentions"], ("attractionImportance", "high"));
    }

    [Fact]
    public void Wrong_JSON_types_of_context_fields_are_invalid_values_and_not_migrated()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"relationshipTimeline":3,"exclusivityExpectation":true,"familyIntentions":{"kids":2},"attractionImportance":["high"]}"""),
            Ctx(ContextType.Friendship, """{"friendshipDepth":"deep","groupActivityPreference":false}""", 1));
        Findings(r,
            """invalid u1 romantic relationshipTimeline = 3 (expected string, found number)""",
            """invalid u1 romantic exclusivityExpectation = true (expected string, found boolean)""",
            """invalid u1 romantic familyIntentions = {"kids":2} (expected string, found object)""",
            """invalid u1 romantic attractionImportance = ["high"] (expected string, found array)""",
            """invalid u1 friendship groupActivityPreference = false (expected string, found boolean)""");
        Intent(r.Intents[0], ContextType.Romantic, 0, AllRomantic);
        Intent(r.Intents[1], ContextType.Friendship, 33, ["groupActivityPreference", "emotionalSupportExpectation"], ("friendshipDepth", "deep"));
    }

    [Fact]
    public void Absent_values_of_mapped_fields_are_absent_whatever_their_type()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"coreValues":{},"constraints":"  ","beliefs":[],"interactionStyle":null,"lifestyle":"","location":[],"ageRange":{},"name":"\n","relationshipTimeline":"","exclusivityExpectation":" \t ","familyIntentions":[],"attractionImportance":{}}"""));
        Assert.Empty(r.Findings);
        EmptyProfile(r.Profile);
        Intent(r.Intents[0], ContextType.Romantic, 0, AllRomantic);
    }

    [Fact]
    public void Another_contexts_field_is_unmapped_and_unmapped_keys_are_reported_whatever_their_value()
    {
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"relationshipTimeline":"soon","serviceType":"plumbing","intent":"long-term","preferences":["hiking", "jazz"],"dealbreakers":null,"empty":"","emptyArray":[],"emptyObject":{}}"""),
            Ctx(ContextType.Service, """{"serviceType":"tutoring","relationshipTimeline":"x","complementarySkills":["a"]}""", 1));
        Intent(r.Intents[0], ContextType.Romantic, 25, ["exclusivityExpectation", "familyIntentions", "attractionImportance"], ("relationshipTimeline", "soon"));
        Intent(r.Intents[1], ContextType.Service, 25, ["budgetRange", "timelineNeeded", "credentialsRequired"], ("serviceType", "tutoring"));
        Findings(r,
            """unmapped u1 romantic serviceType = "plumbing" """.TrimEnd(),
            """unmapped u1 romantic intent = "long-term" """.TrimEnd(),
            """unmapped u1 romantic preferences = ["hiking", "jazz"]""",
            """unmapped u1 romantic dealbreakers = null""",
            """unmapped u1 romantic empty = "" """.TrimEnd(),
            """unmapped u1 romantic emptyArray = []""",
            """unmapped u1 romantic emptyObject = {}""",
            """unmapped u1 service relationshipTimeline = "x" """.TrimEnd(),
            """unmapped u1 service complementarySkills = ["a"]""");
    }

    [Fact]
    public void Keys_are_matched_exactly()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"Location":"x","core values":["y"],"beliefs.religion":"z","NAME":"n"," name":"m","relationshiptimeline":"soon"}"""));
        Assert.Equal(["Location", "core values", "beliefs.religion", "NAME", " name", "relationshiptimeline"], r.Findings.Cast<UnmappedField>().Select(u => u.Key));
        EmptyProfile(r.Profile);
        Intent(r.Intents[0], ContextType.Romantic, 0, AllRomantic);
    }

    [Theory]
    [InlineData("[\"a\"]")]
    [InlineData("[\"sales\", \"fundraising\"]")]
    [InlineData("{\"a\":1}")]
    [InlineData("\"text\"")]
    [InlineData("\" padded \"")]
    [InlineData("7")]
    [InlineData("1e400")]
    [InlineData("true")]
    [InlineData("false")]
    [InlineData("[null]")]
    [InlineData("{\"a\":null}")]
    public void ComplementarySkills_takes_any_present_JSON_value_exactly_as_stored(string value)
    {
        var r = MergeOf(Ctx(ContextType.Professional, $$"""{"complementarySkills":{{value}}}"""));
        Assert.Empty(r.Findings);
        Intent(r.Intents[0], ContextType.Professional, 25, ["partnershipType", "commitmentHorizon", "equityOrRevShare"], ("complementarySkills", value));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("\"\"")]
    [InlineData("\"  \"")]
    [InlineData("[]")]
    [InlineData("{}")]
    public void ComplementarySkills_absent_is_SQL_NULL(string value)
    {
        var r = MergeOf(Ctx(ContextType.Professional, $$"""{"complementarySkills":{{value}}}"""));
        Assert.Empty(r.Findings);
        Intent(r.Intents[0], ContextType.Professional, 0, AllProfessional);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 12)]
    [InlineData(2, 25)]
    [InlineData(3, 37)]
    [InlineData(4, 50)]
    [InlineData(5, 62)]
    [InlineData(6, 75)]
    [InlineData(7, 87)]
    [InlineData(8, 100)]
    public void Profile_completeness_is_the_floor_of_present_over_8(int present, int completeness)
    {
        string[] values = ["\"coreValues\":[\"a\"]", "\"constraints\":[\"b\"]", "\"beliefs\":{\"c\":1}", "\"interactionStyle\":{\"d\":1}", "\"lifestyle\":{\"e\":1}", "\"location\":\"f\"", "\"ageRange\":\"g\"", "\"name\":\"h\""];
        var r = MergeOf(Ctx(ContextType.Creative, "{" + string.Join(",", values.Take(present)) + "}"));
        Assert.Equal(completeness, r.Profile.Completeness);
        Assert.Equal(AllShared.Skip(present), r.Profile.Missing);
    }

    [Fact]
    public void Intent_completeness_is_the_floor_of_present_over_the_contexts_own_fields()
    {
        var r = MergeOf(
            Ctx(ContextType.Friendship, """{"friendshipDepth":"deep"}"""),
            Ctx(ContextType.Creative, """{"creativeType":"music","roleNeeded":"drummer","processStyle":"jam"}""", 1),
            Ctx(ContextType.Service, """{"serviceType":"a","budgetRange":"b","timelineNeeded":"c","credentialsRequired":"d"}""", 2),
            Ctx(ContextType.Romantic, """{"relationshipTimeline":"a","familyIntentions":"b","attractionImportance":"c"}""", 3),
            Ctx(ContextType.Professional, """{"commitmentHorizon":"x","equityOrRevShare":"y"}""", 4));
        Intent(r.Intents[0], ContextType.Friendship, 33, ["groupActivityPreference", "emotionalSupportExpectation"], ("friendshipDepth", "deep"));
        Intent(r.Intents[1], ContextType.Creative, 60, ["egoBalance", "compensationExpectation"], ("creativeType", "music"), ("roleNeeded", "drummer"), ("processStyle", "jam"));
        Intent(r.Intents[2], ContextType.Service, 100, [], ("serviceType", "a"), ("budgetRange", "b"), ("timelineNeeded", "c"), ("credentialsRequired", "d"));
        Intent(r.Intents[3], ContextType.Romantic, 75, ["exclusivityExpectation"], ("relationshipTimeline", "a"), ("familyIntentions", "b"), ("attractionImportance", "c"));
        Intent(r.Intents[4], ContextType.Professional, 50, ["partnershipType", "complementarySkills"], ("commitmentHorizon", "x"), ("equityOrRevShare", "y"));

        var two = MergeOf(Ctx(ContextType.Friendship, """{"friendshipDepth":"deep","emotionalSupportExpectation":"high"}"""));
        Assert.Equal(66, two.Intents[0].Completeness);
    }

    [Fact]
    public void A_full_profile_is_100_percent()
    {
        var r = MergeOf(Ctx(ContextType.Service, """{"coreValues":["a"],"constraints":["b"],"beliefs":{"c":1},"interactionStyle":{"d":1},"lifestyle":{"e":1},"location":"f","ageRange":"g","name":"h","serviceType":"i","budgetRange":"j","timelineNeeded":"k","credentialsRequired":"l"}"""));
        var p = r.Profile;
        Assert.Equal(("""["a"]""", """["b"]""", """{"c":1}""", """{"d":1}""", """{"e":1}""", "f", "g", "h"), (p.CoreValues, p.Constraints, p.Beliefs, p.InteractionStyle, p.Lifestyle, p.Location, p.AgeRange, p.Name));
        Assert.Equal(100, p.Completeness);
        Assert.Empty(p.Missing);
        Intent(r.Intents[0], ContextType.Service, 100, [], ("serviceType", "i"), ("budgetRange", "j"), ("timelineNeeded", "k"), ("credentialsRequired", "l"));
        Assert.Empty(r.Findings);
    }

    [Fact]
    public void Findings_come_per_blob_in_context_and_key_order_then_conflicts_in_field_and_key_order()
    {
        var r = MergeOf(
            Ctx(ContextType.Creative, """{"lifestyle":{"k":2}}""", 3),
            Ctx(ContextType.Professional, "[]", 2),
            Ctx(ContextType.Friendship, """{"beliefs":{"y":2,"x":2},"alpha":true,"location":"B","lifestyle":{"k":1},"name":"N2"}""", 1),
            Ctx(ContextType.Romantic, """{"zeta":1,"location":"A","coreValues":"bad","beliefs":{"x":1,"y":1},"name":"N1"}""", 0));
        Findings(r,
            "unmapped u1 romantic zeta = 1",
            """invalid u1 romantic coreValues = "bad" (expected array, found string)""",
            "unmapped u1 friendship alpha = true",
            "invalid u1 professional <blob> = [] (the blob is a JSON array, not an object; nothing of it was migrated)",
            "conflict u1 beliefs.x [romantic:1, friendship:2] -> 2",
            "conflict u1 beliefs.y [romantic:1, friendship:2] -> 2",
            "conflict u1 lifestyle.k [friendship:1, creative:2] -> 2",
            """conflict u1 location [romantic:"A", friendship:"B"] -> "A" """.TrimEnd(),
            """conflict u1 name [romantic:"N1", friendship:"N2"] -> "N1" """.TrimEnd());
        Assert.Equal("""{"x":2,"y":2}""", r.Profile.Beliefs);
        Assert.Equal("""{"k":2}""", r.Profile.Lifestyle);
    }

    [Fact]
    public void Every_key_of_every_blob_lands_in_exactly_one_place()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, """{"name":"A","coreValues":"bad","relationshipTimeline":"soon","friendshipDepth":"x","hobby":"chess","location":null,"beliefs":{"a":1}}"""));
        Assert.Equal("A", r.Profile.Name);
        Assert.Equal("""{"a":1}""", r.Profile.Beliefs);
        Assert.Equal("soon", r.Intents[0]["relationshipTimeline"]);
        Findings(r,
            """invalid u1 romantic coreValues = "bad" (expected array, found string)""",
            """unmapped u1 romantic friendshipDepth = "x" """.TrimEnd(),
            """unmapped u1 romantic hobby = "chess" """.TrimEnd());
        Assert.Equal(["coreValues", "constraints", "interactionStyle", "lifestyle", "location", "ageRange"], r.Profile.Missing); // location was null: absent
    }

    [Fact]
    public void A_key_repeated_in_one_blob_is_migrated_once_and_the_repeat_is_reported()
    {
        // jsonb keeps one value per key, so this only happens to hand-made text.
        var r = MergeOf(Ctx(ContextType.Romantic, """{"name":"A","name":"B","relationshipTimeline":"soon","relationshipTimeline":"later","hobby":1,"hobby":2,"beliefs":{"x":1,"x":2}}"""));
        Assert.Equal("A", r.Profile.Name);
        Assert.Equal("soon", r.Intents[0]["relationshipTimeline"]);
        Assert.Equal("""{"x":2}""", r.Profile.Beliefs);
        Findings(r,
            """invalid u1 romantic name = "B" (duplicate key: only its first occurrence was migrated)""",
            """invalid u1 romantic relationshipTimeline = "later" (duplicate key: only its first occurrence was migrated)""",
            "unmapped u1 romantic hobby = 1",
            "unmapped u1 romantic hobby = 2",
            "conflict u1 beliefs.x [romantic:1, romantic:2] -> 2");
    }

    [Fact]
    public void Values_nested_2000_levels_deep_merge_compare_and_dedupe()
    {
        var deep1 = Nest(2000, "1");
        var deep2 = Nest(2000, "2");
        var r = MergeOf(
            Ctx(ContextType.Professional, $$$"""{"complementarySkills":{{{deep1}}},"lifestyle":{"deep":{{{deep1}}}},"coreValues":[{{{deep1}}},{{{deep1}}}],"beliefs":{"x":{{{deep1}}}}}""", 0),
            Ctx(ContextType.Romantic, $$$"""{"coreValues":[{{{deep1}}},{{{deep2}}}],"beliefs":{"x":{{{deep2}}}},"lifestyle":{"deep":{{{deep1}}}}}""", 1));
        Assert.Equal(deep1, r.Intents[0]["complementarySkills"]);
        Assert.Equal($$"""{"deep":{{deep1}}}""", r.Profile.Lifestyle);
        Assert.Equal($"[{deep1},{deep2}]", r.Profile.CoreValues);
        Assert.Equal($$"""{"x":{{deep2}}}""", r.Profile.Beliefs);
        Findings(r, $"conflict u1 beliefs.x [professional:{deep1}, romantic:{deep2}] -> {deep2}");
    }

    [Fact]
    public void Values_at_the_depth_limit_merge_on_a_small_stack_and_deeper_blobs_are_invalid_not_a_crash()
    {
        // The blob's own object is one level, an array or object field one more.
        var top = Nest(JsonValues.MaxBlobDepth - 1, "1");
        var inner = Nest(JsonValues.MaxBlobDepth - 2, "1");
        var tooDeepBlob = $$"""{"complementarySkills":{{Nest(JsonValues.MaxBlobDepth, "1")}}}""";
        MergeResult? r = null;
        var thread = new Thread(() => r = MergeOf(
            Ctx(ContextType.Professional, $$$"""{"complementarySkills":{{{top}}},"coreValues":[{{{inner}}},{{{inner}}}],"lifestyle":{"a":{{{inner}}}}}""", 0),
            Ctx(ContextType.Romantic, $$$"""{"lifestyle":{"a":{{{Nest(JsonValues.MaxBlobDepth - 2, "2")}}}}}""", 1),
            Ctx(ContextType.Service, tooDeepBlob, 2)), 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.NotNull(r);
        Assert.Equal(top, r.Intents[0]["complementarySkills"]);
        Assert.Equal($"[{inner}]", r.Profile.CoreValues);
        Assert.Equal($$"""{"a":{{Nest(JsonValues.MaxBlobDepth - 2, "2")}}}""", r.Profile.Lifestyle);
        Assert.Equal(2, r.Findings.Count);
        Assert.Equal(new InvalidValue("u1", ContextType.Service, null, JsonText.Quote(tooDeepBlob), "nested deeper than 10000"), r.Findings[0]);
        var conflict = Assert.IsType<Conflict>(r.Findings[1]);
        Assert.Equal("lifestyle.a", conflict.Field);
        Assert.Equal([ContextType.Professional, ContextType.Romantic], conflict.Candidates.Select(c => c.ContextType));
        Intent(r.Intents[2], ContextType.Service, 0, AllService);
    }

    [Fact]
    public void Strings_of_10_MB_are_kept_whole()
    {
        var big = new string('x', 10 * 1024 * 1024) + "🦄";
        var r = MergeOf(
            Ctx(ContextType.Romantic, $$"""{"name":"{{big}}","relationshipTimeline":"{{big}}","lifestyle":{"a":"{{big}}"},"coreValues":["{{big}}","{{big}}"],"hobby":"{{big}}"}""", 0),
            Ctx(ContextType.Friendship, $$"""{"name":"{{big}}"}""", 1));
        Assert.Equal(big, r.Profile.Name);
        Assert.Equal(big, r.Intents[0]["relationshipTimeline"]);
        Assert.Equal($$"""{"a":"{{big}}"}""", r.Profile.Lifestyle);
        Assert.Equal($$"""["{{big}}"]""", r.Profile.CoreValues);
        var unmapped = Assert.IsType<UnmappedField>(Assert.Single(r.Findings));
        Assert.Equal($"\"{big}\"", unmapped.Value);
    }

    [Fact]
    public void A_blob_escaping_an_unpaired_surrogate_is_invalid_and_the_rest_of_the_user_still_merges()
    {
        // jsonb refuses "\ud800"; System.Text.Json parses it but cannot read it as a string.
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"name":"\ud800","hobby":"x"}""", 0),
            Ctx(ContextType.Friendship, """{"name":"Ok","beliefs":{"\udc00":1}}""", 1),
            Ctx(ContextType.Service, """{"name":"Later","serviceType":"tutoring"}""", 2));
        Findings(r,
            """invalid u1 romantic <blob> = {"name":"\ud800","hobby":"x"} (a string or key escapes an unpaired surrogate (not valid Unicode); nothing of it was migrated)""",
            """invalid u1 friendship <blob> = {"name":"Ok","beliefs":{"\udc00":1}} (a string or key escapes an unpaired surrogate (not valid Unicode); nothing of it was migrated)""");
        Assert.Equal("Later", r.Profile.Name);
        Assert.Equal("{}", r.Profile.Beliefs);
        Assert.Equal("tutoring", r.Intents[2]["serviceType"]);
    }

    [Fact]
    public void A_Dotnet_string_with_an_unpaired_surrogate_is_text_that_is_not_JSON()
    {
        var r = MergeOf(Ctx(ContextType.Romantic, "{\"name\":\"\ud800\"}"), Ctx(ContextType.Friendship, """{"name":"Ok"}""", 1));
        Findings(r, """invalid u1 romantic <blob> = "{\"name\":\"\ud800\"}" (not valid JSON)""");
        Assert.Equal("Ok", r.Profile.Name);
    }

    [Fact]
    public void The_merge_is_deterministic_and_thread_safe()
    {
        SourceUser[] users =
        [
            .. Enumerable.Range(0, 200).Select(i => new SourceUser($"u{i}",
            [
                Ctx(ContextType.Creative, $$"""{"beliefs":{"a":{{i % 3}}},"name":"x{{i % 2}}","coreValues":[{{i}},"v",{{i % 5}}],"hobby":{{i}}}""", i % 4),
                Ctx(ContextType.Romantic, $$"""{"beliefs":{"a":2},"name":"y","coreValues":["v",{{i}}.0],"relationshipTimeline":"r{{i}}"}""", 3),
                Ctx(ContextType.Service, i % 7 == 0 ? "[1]" : null, 2),
            ])),
        ];
        string Render(MergeResult r) =>
            string.Join("\n", new[] { r.Profile.CoreValues, r.Profile.Beliefs, r.Profile.Name ?? "-", string.Join(",", r.Profile.Missing) }
                .Concat(r.Intents.Select(i => i.ContextProfileId + string.Join("|", i.Values) + i.Completeness))
                .Concat(r.Findings.Select(Describe)));
        var sequential = users.Select(u => Render(ProfileMerger.Merge(u))).ToArray();
        var reversed = users.Select(u => Render(ProfileMerger.Merge(u with { Contexts = u.Contexts.Reverse().ToArray() }))).ToArray();
        Assert.Equal(sequential, reversed);
        var parallel = new string[users.Length];
        Parallel.For(0, users.Length * 10, new ParallelOptions { MaxDegreeOfParallelism = 8 }, n => parallel[n % users.Length] = Render(ProfileMerger.Merge(users[n % users.Length])));
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Intent_values_are_aligned_with_the_catalog_columns()
    {
        var r = MergeOf(Ctx(ContextType.Creative, """{"creativeType":"film","compensationExpectation":"paid"}"""));
        var intent = r.Intents[0];
        Assert.Equal(20, intent.Values.Count);
        Assert.Equal("film", intent.Values[FieldCatalog.IntentColumnIndex("creativeType")]);
        Assert.Equal("paid", intent.Values[15]);
        Assert.Throws<ArgumentException>(() => intent["coreValues"]);
        Assert.Throws<ArgumentException>(() => intent["CreativeType"]);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => ProfileMerger.Merge(null!));
        Assert.Throws<ArgumentException>(() => ProfileMerger.Merge(new SourceUser("u1", [Ctx(ContextType.Romantic, "{}"), null!])));

        // The scratch buffers survive a refused call.
        Assert.Equal("A", MergeOf(Ctx(ContextType.Romantic, """{"name":"A"}""")).Profile.Name);
    }

    private static string Nest(int depth, string leaf) => new string('[', depth) + leaf + new string(']', depth);
}
