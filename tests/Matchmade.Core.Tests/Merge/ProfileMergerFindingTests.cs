using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using static Matchmade.Core.Tests.Merge.MergeAssert;

namespace Matchmade.Core.Tests.Merge;

/// <summary>What the merge reports (invalid values, unmapped keys, the order of findings, completeness) and the limits it keeps: depth, size, broken text, threads.</summary>
public sealed partial class ProfileMergerTests
{
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
    public void A_nested_object_repeating_a_key_differs_from_one_with_another_key_and_is_a_conflict()
    {
        // Hand-made text only (jsonb keeps one value per key). {"a":2,"a":2} has the keys a; {"a":2,"b":1} has a and b.
        var r = MergeOf(
            Ctx(ContextType.Romantic, """{"beliefs":{"k":{"a":2,"a":2}}}""", 0),
            Ctx(ContextType.Friendship, """{"beliefs":{"k":{"a":2,"b":1}}}""", 1));
        Assert.Equal("""{"k":{"a":2,"b":1}}""", r.Profile.Beliefs);
        Findings(r, """conflict u1 beliefs.k [romantic:{"a":2,"a":2}, friendship:{"a":2,"b":1}] -> {"a":2,"b":1}""");
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
    public void A_bad_string_in_an_unmapped_keys_value_does_not_make_the_blob_invalid_whatever_the_other_blobs_hold()
    {
        // docs/merge-decisions.md: a bad string inside an unmapped key's value is reported with the unmapped key as
        // stored. The friendship blob must come out the same with or without the romantic one beside it.
        var friendship = Ctx(ContextType.Friendship, """{"hobby":"\ud800","name":"Ok","friendshipDepth":"deep"}""", 1);
        var alone = MergeOf(friendship);
        var r = MergeOf(Ctx(ContextType.Romantic, """{"name":"\ud800"}""", 0), friendship);
        Findings(alone, """unmapped u1 friendship hobby = "\ud800" """.TrimEnd());
        Findings(r,
            """invalid u1 romantic <blob> = {"name":"\ud800"} (a string or key escapes an unpaired surrogate (not valid Unicode); nothing of it was migrated)""",
            """unmapped u1 friendship hobby = "\ud800" """.TrimEnd());
        Assert.Equal("Ok", r.Profile.Name);
        Assert.Equal("deep", r.Intents[1]["friendshipDepth"]);
    }

    [Fact]
    public void A_blob_that_is_not_an_object_is_reported_as_such_whatever_the_other_blobs_hold()
    {
        // The merge reads nothing of an array blob, so its strings do not matter (as when it is the user's only blob).
        var array = Ctx(ContextType.Service, """["\ud800"]""", 1);
        var r = MergeOf(Ctx(ContextType.Romantic, """{"name":"\ud800"}""", 0), array);
        Assert.Equal(Describe(Assert.Single(MergeOf(array).Findings)), Describe(r.Findings[1]));
        Assert.Equal("""invalid u1 service <blob> = ["\ud800"] (the blob is a JSON array, not an object; nothing of it was migrated)""", Describe(r.Findings[1]));
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
}
