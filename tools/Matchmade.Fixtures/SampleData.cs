using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Fixtures;

public sealed record SyntheticOptions
{
    /// <summary>Share of users (beyond the first ones, which cover every kind once) that get an edge case.</summary>
    public double EdgeCaseRate { get; init; } = 0.05;

    /// <summary>ChatMessages per ContextProfile for users that have any (about a third of them).</summary>
    public int MaxChatMessages { get; init; } = 3;
}

public sealed record SyntheticContext(string Id, string ContextType, DateTime CreatedAt, Func<string?> Profile);

public sealed record SyntheticUser(int Index, string Id, string Email, DateTime CreatedAt, IReadOnlyList<SyntheticContext> Contexts, int ChatMessagesPerContext, EdgeCase? EdgeCase);

public sealed record SampleLoadResult(long Users, long ContextProfiles, long Profiles, long ChatMessages, TimeSpan Elapsed);

/// <summary>The edge cases RULES.md lists; the generator puts each in at least once when it makes 200 users or more.</summary>
public enum EdgeCase
{
    NoContexts,
    NoProfileRow,
    JsonNullBlob,
    ArrayBlob,
    StringBlob,
    NumberBlob,
    BooleanBlob,
    EmptyObjectBlob,
    AbsentForms,
    ScalarConflict,
    ObjectKeyConflict,
    DuplicateArrayElements,
    WrongTypeShared,
    WrongTypeContext,
    OtherContextsField,
    UnmappedKeys,
    BigNumbers,
    UntrimmedStrings,
    Unicode,
    CreatedAtTie,
}

/// <summary>
/// The project's sample data: the seed's three QA users, and a deterministic generator of synthetic users with
/// realistic blobs and the edge cases of RULES.md, loaded with binary COPY.
/// </summary>
public static class SampleData
{
    private static readonly string[] ContextTypes = ["romantic", "friendship", "professional", "creative", "service"];
    private static readonly DateTime Epoch = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    public static void LoadQaUsers(NpgsqlConnection connection, string schema = "public")
    {
        using var document = JsonDocument.Parse(SourceSchema.ReadResource("Matchmade.Fixtures.qa-users.json"));
        var users = new List<SyntheticUser>();
        var index = 0;
        foreach (var user in document.RootElement.EnumerateArray())
        {
            var contexts = user.GetProperty("contexts").EnumerateArray().Select(c =>
            {
                var profile = c.GetProperty("profile");
                var text = profile.ValueKind == JsonValueKind.Null ? null : profile.GetRawText();
                return new SyntheticContext(c.GetProperty("id").GetString()!, c.GetProperty("contextType").GetString()!, ToTimestamp(c.GetProperty("createdAt")), () => text);
            }).ToArray();
            users.Add(new SyntheticUser(index++, user.GetProperty("id").GetString()!, user.GetProperty("email").GetString()!, ToTimestamp(user.GetProperty("createdAt")), contexts, 2, null));
        }

        Load(connection, schema, () => users);
    }

    public static SampleLoadResult LoadSynthetic(NpgsqlConnection connection, int users, int seed = 1, string schema = "public", SyntheticOptions? options = null) =>
        Load(connection, schema, () => Generate(users, seed, options));

    /// <summary>Deterministic for (users, seed, options); streams: each user is made from its own seed, on demand.</summary>
    public static IEnumerable<SyntheticUser> Generate(int users, int seed = 1, SyntheticOptions? options = null)
    {
        options ??= new SyntheticOptions();
        var kinds = Enum.GetValues<EdgeCase>();
        for (var i = 0; i < users; i++)
        {
            var random = new Random(Mix(seed, i, 0x5eed));
            EdgeCase? edge = users >= 200 && i < kinds.Length * 3 && i % 3 == 1 ? kinds[i / 3]
                : random.NextDouble() < options.EdgeCaseRate ? kinds[random.Next(kinds.Length)] : null;
            yield return MakeUser(i, seed, random, edge, options);
        }
    }

    private static SyntheticUser MakeUser(int index, int seed, Random random, EdgeCase? edge, SyntheticOptions options)
    {
        var id = "c" + ToBase36((ulong)index, 8) + RandomBase36(random, 16);
        var created = Epoch.AddSeconds(random.Next(0, 60 * 60 * 24 * 600));
        var roll = random.NextDouble();
        var count = roll < 0.25 ? 1 : roll < 0.55 ? 2 : roll < 0.75 ? 3 : roll < 0.9 ? 4 : 5;
        if (edge is EdgeCase.NoContexts)
        {
            count = 0;
        }
        else if (edge is EdgeCase.ScalarConflict or EdgeCase.ObjectKeyConflict or EdgeCase.DuplicateArrayElements or EdgeCase.CreatedAtTie)
        {
            count = Math.Max(count, 2 + random.Next(2));
        }

        var types = ContextTypes.OrderBy(_ => random.Next()).Take(count).ToArray();
        var persona = Persona.Make(random);
        var contexts = new SyntheticContext[count];
        var when = created;
        for (var c = 0; c < count; c++)
        {
            when = edge is EdgeCase.CreatedAtTie && c == 1 ? when : when.AddMinutes(random.Next(1, 60 * 24 * 30));
            var contextSeed = Mix(seed, index * 8 + c, 0xb10b);
            var type = types[c];
            var position = c;
            var profileRow = !(edge is EdgeCase.NoProfileRow && c == 0) && random.NextDouble() > 0.03;
            contexts[c] = new SyntheticContext(
                "c" + ToBase36((ulong)index, 8) + ToBase36((ulong)c, 1) + RandomBase36(random, 15),
                type,
                when,
                profileRow ? () => Blob(new Random(contextSeed), persona, type, position, edge) : () => null);
        }

        var chat = random.NextDouble() < 0.33 ? random.Next(1, options.MaxChatMessages + 1) : 0;
        return new SyntheticUser(index, id, $"user{index}.{id[^6..]}@example.test", created, contexts, chat, edge);
    }

    private static string Blob(Random random, Persona persona, string type, int position, EdgeCase? edge)
    {
        switch (edge)
        {
            case EdgeCase.JsonNullBlob when position == 0: return "null";
            case EdgeCase.ArrayBlob when position == 0: return "[\"honesty\", {\"name\": \"x\"}, 3]";
            case EdgeCase.StringBlob when position == 0: return "\"just a string\"";
            case EdgeCase.NumberBlob when position == 0: return "42.5";
            case EdgeCase.BooleanBlob when position == 0: return "true";
            case EdgeCase.EmptyObjectBlob when position == 0: return "{}";
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (random.NextDouble() < 0.8) { w.WriteString("name", edge is EdgeCase.UntrimmedStrings ? "  " + persona.Name + " " : persona.Name); }
            if (random.NextDouble() < 0.6) { w.WriteString("location", edge is EdgeCase.ScalarConflict && position == 1 ? persona.Location + " (moved)" : persona.Location); }
            if (random.NextDouble() < 0.5) { w.WriteString("ageRange", persona.AgeRange); }
            if (random.NextDouble() < 0.7 || edge is EdgeCase.DuplicateArrayElements)
            {
                w.WriteStartArray("coreValues");
                foreach (var v in Pick(random, Vocabulary.Values, 2, 4)) { w.WriteStringValue(v); }
                if (edge is EdgeCase.DuplicateArrayElements)
                {
                    w.WriteStringValue(persona.Name);
                    w.WriteRawValue(position == 0 ? "{\"a\": 1, \"b\": [true, null]}" : "{\"b\": [true, null], \"a\": 1.0}");
                }

                w.WriteEndArray();
            }

            if (random.NextDouble() < 0.3) { w.WriteStartArray("constraints"); foreach (var v in Pick(random, Vocabulary.Constraints, 1, 2)) { w.WriteStringValue(v); } w.WriteEndArray(); }
            if (random.NextDouble() < 0.5 || edge is EdgeCase.ObjectKeyConflict)
            {
                w.WriteStartObject("beliefs");
                w.WriteString("religion", edge is EdgeCase.ObjectKeyConflict ? (position == 0 ? "catholic" : position == 1 ? "buddhist" : "none") : persona.Religion);
                if (random.NextDouble() < 0.5) { w.WriteString("politics", persona.Politics); }
                w.WriteEndObject();
            }

            if (random.NextDouble() < 0.4) { w.WriteStartObject("interactionStyle"); w.WriteString("communication", persona.Communication); w.WriteString("energy", persona.Energy); w.WriteEndObject(); }
            if (random.NextDouble() < 0.4) { w.WriteStartObject("lifestyle"); w.WriteString("diet", persona.Diet); w.WriteString("exercise", random.NextDouble() < 0.1 ? Pick(random, Vocabulary.Exercise, 1, 1)[0] : persona.Exercise); w.WriteEndObject(); }

            foreach (var field in FieldsOf(type))
            {
                if (random.NextDouble() < 0.7)
                {
                    if (field == "complementarySkills")
                    {
                        w.WriteStartArray(field);
                        foreach (var v in Pick(random, Vocabulary.Skills, 1, 3)) { w.WriteStringValue(v); }
                        w.WriteEndArray();
                    }
                    else
                    {
                        w.WriteString(field, Pick(random, Vocabulary.Answers, 1, 1)[0] + " " + Pick(random, Vocabulary.Qualifiers, 1, 1)[0]);
                    }
                }
            }

            switch (edge)
            {
                case EdgeCase.AbsentForms:
                    w.WriteNull("location");
                    w.WriteString("ageRange", "   ");
                    w.WriteString("name", string.Empty);
                    w.WriteStartArray("constraints"); w.WriteEndArray();
                    w.WriteStartObject("lifestyle"); w.WriteEndObject();
                    w.WriteStartObject("interactionStyle"); w.WriteNull("energy"); w.WriteEndObject();
                    w.WriteNull(FieldsOf(type)[0] + "Unused");
                    break;
                case EdgeCase.WrongTypeShared:
                    w.WriteString("constraints", "no smokers");
                    w.WriteString("beliefs", "spiritual");
                    w.WriteNumber("ageRange", 30);
                    break;
                case EdgeCase.WrongTypeContext:
                    w.WriteNumber(FieldsOf(type).First(f => f != "complementarySkills"), 5);
                    w.WriteStartObject(FieldsOf(type).Last(f => f != "complementarySkills")); w.WriteString("nested", "object"); w.WriteEndObject();
                    break;
                case EdgeCase.OtherContextsField:
                    w.WriteString(FieldsOf(ContextTypes[(Array.IndexOf(ContextTypes, type) + 1) % ContextTypes.Length])[0], "belongs elsewhere");
                    break;
                case EdgeCase.UnmappedKeys:
                    w.WriteString("intent", "long-term");
                    w.WriteStartArray("preferences"); w.WriteStringValue("hiking"); w.WriteStringValue("jazz"); w.WriteEndArray();
                    w.WriteStartArray("dealbreakers"); w.WriteStringValue("smoking"); w.WriteEndArray();
                    w.WriteString("favourite colour", "teal");
                    break;
                case EdgeCase.BigNumbers:
                    w.WriteStartObject("lifestyle"); w.WritePropertyName("savingsGoal"); w.WriteRawValue("123456789012345678901234567890"); w.WritePropertyName("tiny"); w.WriteRawValue("0.10000000000000000000001"); w.WriteEndObject();
                    w.WritePropertyName("coreValues"); w.WriteRawValue("[1e400, 1E+400, -0, 0]");
                    break;
                case EdgeCase.Unicode:
                    w.WriteString("name", "Zoë 🦄 李小龍 שָׁלוֹם");
                    w.WriteStartObject("beliefs"); w.WriteString("motto", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u200d☕"); w.WriteEndObject();
                    break;
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static SampleLoadResult Load(NpgsqlConnection connection, string schema, Func<IEnumerable<SyntheticUser>> users)
    {
        var watch = Stopwatch.StartNew();
        var q = new NpgsqlCommandBuilder().QuoteIdentifier(schema);
        long userCount = 0, contextCount = 0, profileCount = 0, chatCount = 0;
        var now = DateTime.SpecifyKind(DateTime.UtcNow, DateTimeKind.Unspecified);
        // The generated rows are consistent by construction, so where the role may (a superuser: the throwaway
        // cluster), skip the per-row foreign-key triggers while loading; about half the load time at a million users.
        var skipForeignKeyChecks = TrySet(connection, "SET session_replication_role = replica");
        // One pass per table (FKs are checked row by row); each pass regenerates the same users.
        using (var copy = connection.BeginBinaryImport($"COPY {q}.\"User\" (id, email, \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var user in users())
            {
                copy.StartRow();
                copy.Write(user.Id, NpgsqlDbType.Text);
                copy.Write(user.Email, NpgsqlDbType.Text);
                copy.Write(user.CreatedAt, NpgsqlDbType.Timestamp);
                copy.Write(now, NpgsqlDbType.Timestamp);
                userCount++;
            }

            copy.Complete();
        }

        using (var copy = connection.BeginBinaryImport($"COPY {q}.\"ContextProfile\" (id, \"userId\", \"contextType\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var user in users())
            {
                foreach (var context in user.Contexts)
                {
                    copy.StartRow();
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(user.Id, NpgsqlDbType.Text);
                    copy.Write(context.ContextType, NpgsqlDbType.Text);
                    copy.Write(context.CreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(now, NpgsqlDbType.Timestamp);
                    contextCount++;
                }
            }

            copy.Complete();
        }

        using (var copy = connection.BeginBinaryImport($"COPY {q}.\"Profile\" (id, \"contextProfileId\", data, \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var user in users())
            {
                foreach (var context in user.Contexts)
                {
                    if (context.Profile() is not { } blob)
                    {
                        continue;
                    }

                    copy.StartRow();
                    copy.Write("p" + context.Id[1..], NpgsqlDbType.Text);
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(blob, NpgsqlDbType.Jsonb);
                    copy.Write(context.CreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(now, NpgsqlDbType.Timestamp);
                    profileCount++;
                }
            }

            copy.Complete();
        }

        using (var copy = connection.BeginBinaryImport($"COPY {q}.\"ChatMessage\" (id, \"contextProfileId\", role, content, \"createdAt\") FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var user in users())
            {
                foreach (var context in user.Contexts)
                {
                    for (var m = 0; m < user.ChatMessagesPerContext; m++)
                    {
                        copy.StartRow();
                        copy.Write("m" + context.Id[1..] + m, NpgsqlDbType.Text);
                        copy.Write(context.Id, NpgsqlDbType.Text);
                        copy.Write(m % 2 == 0 ? "user" : "assistant", NpgsqlDbType.Text);
                        copy.Write(m % 2 == 0 ? "Tell me what you are looking for." : "Someone kind who loves the outdoors.", NpgsqlDbType.Text);
                        copy.Write(context.CreatedAt.AddMinutes(m + 1), NpgsqlDbType.Timestamp);
                        chatCount++;
                    }
                }
            }

            copy.Complete();
        }

        if (skipForeignKeyChecks)
        {
            TrySet(connection, "RESET session_replication_role");
        }

        using (var analyze = new NpgsqlCommand($"ANALYZE {q}.\"User\", {q}.\"ContextProfile\", {q}.\"Profile\"", connection))
        {
            analyze.ExecuteNonQuery();
        }

        return new SampleLoadResult(userCount, contextCount, profileCount, chatCount, watch.Elapsed);
    }

    /// <summary>
    /// A fixed mix of the inputs (SplitMix64). System.HashCode is seeded per process, so it would make the "same"
    /// data differ from one run to the next.
    /// </summary>
    private static int Mix(int seed, int index, int salt)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)index) + ((ulong)(uint)salt * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    private static bool TrySet(NpgsqlConnection connection, string sql)
    {
        try
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "42501")
        {
            return false; // not a superuser: keep the checks
        }
    }

    private static IReadOnlyList<string> FieldsOf(string type) => type switch
    {
        "romantic" => ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"],
        "friendship" => ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"],
        "professional" => ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"],
        "creative" => ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"],
        _ => ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"],
    };

    private static DateTime ToTimestamp(JsonElement e) => DateTime.SpecifyKind(e.GetDateTimeOffset().UtcDateTime, DateTimeKind.Unspecified);

    private static string[] Pick(Random random, string[] from, int min, int max)
    {
        var n = random.Next(min, max + 1);
        var picked = new string[n];
        for (var i = 0; i < n; i++)
        {
            picked[i] = from[random.Next(from.Length)];
        }

        return picked;
    }

    private const string Base36 = "0123456789abcdefghijklmnopqrstuvwxyz";

    private static string ToBase36(ulong value, int width)
    {
        var chars = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            chars[i] = Base36[(int)(value % 36)];
            value /= 36;
        }

        return new string(chars);
    }

    private static string RandomBase36(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Base36[random.Next(36)];
        }

        return new string(chars);
    }

    private sealed record Persona(string Name, string Location, string AgeRange, string Religion, string Politics, string Communication, string Energy, string Diet, string Exercise)
    {
        public static Persona Make(Random r) => new(
            Vocabulary.Names[r.Next(Vocabulary.Names.Length)],
            Vocabulary.Cities[r.Next(Vocabulary.Cities.Length)],
            Vocabulary.AgeRanges[r.Next(Vocabulary.AgeRanges.Length)],
            Vocabulary.Religions[r.Next(Vocabulary.Religions.Length)],
            Vocabulary.Politics[r.Next(Vocabulary.Politics.Length)],
            Vocabulary.Communication[r.Next(Vocabulary.Communication.Length)],
            Vocabulary.Energy[r.Next(Vocabulary.Energy.Length)],
            Vocabulary.Diets[r.Next(Vocabulary.Diets.Length)],
            Vocabulary.Exercise[r.Next(Vocabulary.Exercise.Length)]);
    }

    private static class Vocabulary
    {
        public static readonly string[] Names = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Avery", "Quinn", "Priya", "Mateo", "Amara", "Chen", "Fatima", "Lars"];
        public static readonly string[] Cities = ["San Francisco, CA", "Austin, TX", "New York, NY", "Berlin", "London", "Toronto, ON", "Lisbon", "Singapore", "Seattle, WA", "Mexico City"];
        public static readonly string[] AgeRanges = ["18-24", "25-29", "28-32", "30-35", "35-40", "40-50", "50+"];
        public static readonly string[] Religions = ["agnostic", "atheist", "christian", "jewish", "muslim", "hindu", "spiritual", "buddhist"];
        public static readonly string[] Politics = ["progressive", "moderate", "conservative", "apolitical"];
        public static readonly string[] Communication = ["direct", "gentle", "playful", "thoughtful"];
        public static readonly string[] Energy = ["introvert", "extrovert", "ambivert"];
        public static readonly string[] Diets = ["vegetarian", "vegan", "omnivore", "pescatarian", "keto"];
        public static readonly string[] Exercise = ["daily runs", "weekly hikes", "yoga", "climbing", "none"];
        public static readonly string[] Values = ["honesty", "curiosity", "loyalty", "kindness", "ambition", "family", "adventure", "humor", "growth", "faith", "independence", "creativity"];
        public static readonly string[] Constraints = ["remote only", "no relocation", "weekends only", "non-smoker", "within 20 miles"];
        public static readonly string[] Skills = ["sales", "fundraising", "backend", "design", "marketing", "operations", "ml", "legal"];
        public static readonly string[] Answers = ["within a year", "long-term", "casual", "monthly", "weekly", "flexible", "serious", "open", "a few close friends", "co-founder", "freelance", "paid"];
        public static readonly string[] Qualifiers = ["please", "ideally", "if possible", "definitely", "for now", "no rush"];
    }
}
