using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Matchmade.Fixtures;

/// <summary>
/// A small, fixed pseudo-random generator (SplitMix64): the same numbers in every process, on every machine and every
/// .NET version (System.Random's algorithm is an implementation detail; System.HashCode is seeded per process).
/// </summary>
internal struct Rng(ulong state)
{
    private ulong state = state;

    /// <summary>A well-mixed 64-bit value for (seed, index, slot, salt): each input changes every bit.</summary>
    public static ulong Hash(int seed, long index, int slot, ulong salt)
    {
        var z = Mix((ulong)(uint)seed ^ salt * 0xD1B54A32D192ED03UL);
        z = Mix(z ^ (ulong)index);
        return Mix(z ^ (ulong)(uint)slot);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 &lt;= result &lt; max.</summary>
    public int Next(int max) => (int)(((NextULong() >> 32) * (ulong)max) >> 32);

    /// <summary>min &lt;= result &lt; maxExclusive.</summary>
    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    /// <summary>min &lt;= result &lt;= maxInclusive.</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(T[] from) => from[Next(from.Length)];
}

/// <summary>Everything about one synthetic user that its blobs need: made once per user, blobs made on demand.</summary>
internal sealed class UserPlan
{
    private const ulong BlobSalt = 0xb10bb10bUL;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? writer;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public UserPlan(int seed, int index, EdgeCase? edge, ulong personaSeed, DataShape shape = DataShape.Synthetic)
    {
        Seed = seed;
        Shape = shape;
        Index = index;
        Edge = edge;
        var r = new Rng(personaSeed);
        Name = r.Pick(Vocabulary.Names);
        Location = r.Pick(Vocabulary.Cities);
        AgeRange = r.Pick(Vocabulary.AgeRanges);
        Religion = r.Pick(Vocabulary.Religions);
        Politics = r.Pick(Vocabulary.Politics);
        Communication = r.Pick(Vocabulary.Communication);
        Energy = r.Pick(Vocabulary.Energy);
        Diet = r.Pick(Vocabulary.Diets);
        Exercise = r.Pick(Vocabulary.Exercise);
        Chatty = r.Chance(0.07);
    }

    public int Seed { get; }
    public DataShape Shape { get; }
    public int Index { get; }
    public EdgeCase? Edge { get; }
    public string Name { get; }
    public string Location { get; }
    public string AgeRange { get; }
    public string Religion { get; }
    public string Politics { get; }
    public string Communication { get; }
    public string Energy { get; }
    public string Diet { get; }
    public string Exercise { get; }

    /// <summary>Some users told the chat a lot: their answers run to several sentences (blobs of a few KB).</summary>
    public bool Chatty { get; }

    /// <summary>The Profile.data text of the context at <paramref name="position"/> (position = order of creation).</summary>
    public string Blob(int position, string contextType)
    {
        switch (Edge)
        {
            case EdgeCase.JsonNullBlob when position == 0: return "null";
            case EdgeCase.ArrayBlob when position == 0: return "[\"honesty\", {\"name\": \"Sam\"}, 3]";
            case EdgeCase.StringBlob when position == 0: return "\"looking for something long-term\"";
            case EdgeCase.NumberBlob when position == 0: return "42.5";
            case EdgeCase.BooleanBlob when position == 0: return "true";
            case EdgeCase.EmptyObjectBlob when position == 0: return "{}";
        }

        var r = new Rng(Rng.Hash(Seed, Index, position, BlobSalt));
        var overrides = Edge is { } edge ? EdgeOverrides.For(edge, this, position, contextType) : null;
        var output = buffer ??= new ArrayBufferWriter<byte>(4096);
        output.ResetWrittenCount();
        var w = writer ??= new Utf8JsonWriter(output, WriterOptions);
        w.Reset(output);
        w.WriteStartObject();
        if (Shape != DataShape.Synthetic)
        {
            ShapedBlobs.Write(w, ref r, this, position, contextType);
        }
        else
        {
            WriteShared(w, ref r, overrides);
            WriteContextFields(w, ref r, contextType, overrides);
        }

        if (overrides is not null)
        {
            foreach (var (key, raw) in overrides)
            {
                if (raw is not null)
                {
                    w.WritePropertyName(key);
                    w.WriteRawValue(raw, skipInputValidation: true);
                }
            }
        }

        w.WriteEndObject();
        w.Flush();
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private void WriteShared(Utf8JsonWriter w, ref Rng r, List<(string Key, string? Raw)>? overrides)
    {
        if (r.Chance(0.8) && Free(overrides, "name")) { w.WriteString("name", Name); }
        if (r.Chance(0.6) && Free(overrides, "location")) { w.WriteString("location", Location); }
        if (r.Chance(0.5) && Free(overrides, "ageRange")) { w.WriteString("ageRange", AgeRange); }
        if (r.Chance(0.7) && Free(overrides, "coreValues"))
        {
            w.WriteStartArray("coreValues");
            WriteDistinct(w, ref r, Vocabulary.Values, r.Between(2, 5));
            w.WriteEndArray();
        }

        if (r.Chance(0.35) && Free(overrides, "constraints"))
        {
            w.WriteStartArray("constraints");
            WriteDistinct(w, ref r, Vocabulary.Constraints, r.Between(1, 3));
            w.WriteEndArray();
        }

        if (r.Chance(0.5) && Free(overrides, "beliefs"))
        {
            w.WriteStartObject("beliefs");
            w.WriteString("religion", Religion);
            if (r.Chance(0.5)) { w.WriteString("politics", Politics); }
            if (r.Chance(0.3)) { w.WriteString("family", r.Pick(Vocabulary.FamilyViews)); }
            if (r.Chance(0.2)) { w.WriteString("spirituality", r.Pick(Vocabulary.Sentences)); }
            w.WriteEndObject();
        }

        if (r.Chance(0.45) && Free(overrides, "interactionStyle"))
        {
            w.WriteStartObject("interactionStyle");
            w.WriteString("communication", Communication);
            w.WriteString("energy", Energy);
            if (r.Chance(0.5)) { w.WriteString("conflict", r.Pick(Vocabulary.ConflictStyles)); }
            if (r.Chance(0.3)) { w.WriteString("humor", r.Pick(Vocabulary.Humor)); }
            w.WriteEndObject();
        }

        if (r.Chance(0.45) && Free(overrides, "lifestyle"))
        {
            w.WriteStartObject("lifestyle");
            w.WriteString("diet", Diet);
            // Now and then a user says something different in another context: a natural conflict.
            w.WriteString("exercise", r.Chance(0.03) ? r.Pick(Vocabulary.Exercise) : Exercise);
            if (r.Chance(0.5)) { w.WriteString("drinking", r.Pick(Vocabulary.Drinking)); }
            if (r.Chance(0.3)) { w.WriteString("pets", r.Pick(Vocabulary.Pets)); }
            if (r.Chance(0.3)) { w.WriteString("schedule", r.Pick(Vocabulary.Schedules)); }
            w.WriteEndObject();
        }
    }

    private void WriteContextFields(Utf8JsonWriter w, ref Rng r, string contextType, List<(string Key, string? Raw)>? overrides)
    {
        foreach (var field in Vocabulary.FieldsOf(contextType))
        {
            if (!r.Chance(0.65) || !Free(overrides, field))
            {
                continue;
            }

            if (field == "complementarySkills")
            {
                w.WriteStartArray(field);
                WriteDistinct(w, ref r, Vocabulary.Skills, r.Between(1, 4));
                w.WriteEndArray();
                continue;
            }

            var answer = r.Pick(Vocabulary.Answers(field));
            var extra = Chatty ? r.Between(2, 8) : r.Chance(0.25) ? r.Between(1, 2) : 0;
            if (extra == 0)
            {
                w.WriteString(field, answer);
                continue;
            }

            var text = new StringBuilder(answer, 64 + 110 * extra).Append('.');
            for (var i = 0; i < extra; i++)
            {
                text.Append(' ').Append(r.Pick(Vocabulary.Sentences));
            }

            w.WriteString(field, text.ToString());
        }
    }

    internal static void WriteDistinct(Utf8JsonWriter w, ref Rng r, string[] from, int count)
    {
        // count distinct picks from a short list: a random start and a step coprime to the list's length.
        var start = r.Next(from.Length);
        var step = Vocabulary.Steps[r.Next(Vocabulary.Steps.Length)];
        for (var i = 0; i < count && i < from.Length; i++)
        {
            w.WriteStringValue(from[(start + i * step) % from.Length]);
        }
    }

    private static bool Free(List<(string Key, string? Raw)>? overrides, string key)
    {
        if (overrides is null)
        {
            return true;
        }

        foreach (var (k, _) in overrides)
        {
            if (k == key)
            {
                return false;
            }
        }

        return true;
    }
}

internal static class Vocabulary
{
    public static readonly string[] ContextTypes = ["romantic", "friendship", "professional", "creative", "service"];

    /// <summary>How often users pick each context type (romantic first, service least).</summary>
    public static readonly int[] ContextWeights = [5, 4, 3, 2, 2];

    /// <summary>Steps coprime to every list length used with <c>WriteDistinct</c> (primes above them).</summary>
    public static readonly int[] Steps = [1, 13, 17, 19, 23];

    private static readonly string[] Romantic = ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"];
    private static readonly string[] Friendship = ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"];
    private static readonly string[] Professional = ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"];
    private static readonly string[] Creative = ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"];
    private static readonly string[] Service = ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"];

    public static string[] FieldsOf(string contextType) => contextType switch
    {
        "romantic" => Romantic,
        "friendship" => Friendship,
        "professional" => Professional,
        "creative" => Creative,
        "service" => Service,
        _ => throw new ArgumentOutOfRangeException(nameof(contextType), contextType, "not a RelationshipContextType"),
    };

    public static string[] Answers(string field) => field switch
    {
        "relationshipTimeline" => ["within a year", "within 1-2 years", "no rush", "ready now", "when it feels right"],
        "exclusivityExpectation" => ["monogamous", "open to discussing", "ethically non-monogamous", "monogamous after a few months"],
        "familyIntentions" => ["wants kids someday", "doesn't want kids", "has kids, open to more", "undecided"],
        "attractionImportance" => ["very important", "moderate", "grows over time", "not a priority"],
        "friendshipDepth" => ["a few close friends", "a wide circle", "activity partners", "deep one-on-one friendships"],
        "groupActivityPreference" => ["one-on-one", "small groups", "big groups", "depends on the day"],
        "emotionalSupportExpectation" => ["high", "moderate", "light, mostly fun", "mutual and steady"],
        "partnershipType" => ["co-founder", "advisor", "freelance collaborator", "investor", "mentor"],
        "commitmentHorizon" => ["3+ years", "1-2 years", "6 months", "project-based"],
        "equityOrRevShare" => ["equity", "revenue share", "salary", "equity plus salary"],
        "creativeType" => ["music", "film", "writing", "visual art", "game design", "podcast"],
        "roleNeeded" => ["vocalist", "editor", "illustrator", "producer", "co-writer"],
        "processStyle" => ["structured", "improvisational", "async, written", "weekly sessions"],
        "egoBalance" => ["collaborative", "I lead, open to input", "shared credit", "happy to support"],
        "compensationExpectation" => ["paid", "revenue share", "unpaid passion project", "negotiable"],
        "serviceType" => ["therapist", "career coach", "personal trainer", "lawyer", "accountant", "tutor"],
        "budgetRange" => ["$50-100/hr", "$100-200/hr", "under $500/month", "flexible"],
        "timelineNeeded" => ["asap", "within a month", "this quarter", "flexible"],
        "credentialsRequired" => ["licensed", "certified", "none", "references are enough"],
        _ => ["yes", "no", "maybe"],
    };

    public static readonly string[] Names = ["Alex", "Sam", "Jordan", "Taylor", "Morgan", "Riley", "Casey", "Jamie", "Avery", "Quinn", "Priya", "Mateo", "Amara", "Chen", "Fatima", "Lars", "Noah", "Sofia", "Kwame", "Ines"];
    public static readonly string[] Cities = ["San Francisco, CA", "Austin, TX", "New York, NY", "Berlin", "London", "Toronto, ON", "Lisbon", "Singapore", "Seattle, WA", "Mexico City", "Chicago, IL", "Nairobi"];
    public static readonly string[] AgeRanges = ["18-24", "25-29", "28-32", "30-35", "35-40", "40-50", "50+"];
    public static readonly string[] Religions = ["agnostic", "atheist", "christian", "jewish", "muslim", "hindu", "spiritual", "buddhist"];
    public static readonly string[] Politics = ["progressive", "moderate", "conservative", "apolitical"];
    public static readonly string[] FamilyViews = ["family comes first", "close to my parents", "chosen family matters most", "independent"];
    public static readonly string[] Communication = ["direct", "gentle", "playful", "thoughtful"];
    public static readonly string[] Energy = ["introvert", "extrovert", "ambivert"];
    public static readonly string[] ConflictStyles = ["talk it out right away", "need time to think first", "avoid drama", "write it down"];
    public static readonly string[] Humor = ["dry", "silly", "sarcastic", "wholesome"];
    public static readonly string[] Diets = ["vegetarian", "vegan", "omnivore", "pescatarian", "keto"];
    public static readonly string[] Exercise = ["daily runs", "weekly hikes", "yoga", "climbing", "none", "team sports"];
    public static readonly string[] Drinking = ["never", "socially", "wine with dinner", "sober curious"];
    public static readonly string[] Pets = ["dog person", "cat person", "allergic", "fish count, right?"];
    public static readonly string[] Schedules = ["early bird", "night owl", "shift work", "9 to 5"];
    public static readonly string[] Values = ["honesty", "curiosity", "loyalty", "kindness", "ambition", "family", "adventure", "humor", "growth", "faith", "independence", "creativity"];
    public static readonly string[] Constraints = ["remote only", "no relocation", "weekends only", "non-smoker", "within 20 miles", "evenings only"];
    public static readonly string[] Skills = ["sales", "fundraising", "backend", "design", "marketing", "operations", "ml", "legal"];

    public static readonly string[] Sentences =
    [
        "I'd like to take things slowly and see where it goes.",
        "My last few years were all about work, so I'm making room for people now.",
        "Honestly the most important thing is that we can laugh at the same things.",
        "I grew up in a big family and weekends were always loud, which I miss.",
        "I moved here two years ago and still don't know many people outside the office.",
        "I'm happiest outdoors, ideally somewhere without phone reception.",
        "I value people who say what they mean, even when it's uncomfortable.",
        "Consistency matters more to me than grand gestures.",
        "I've built two products from scratch and want a partner who enjoys the messy early stage.",
        "I'm better at starting things than finishing them, so I need someone who keeps us on track.",
        "Money isn't the main thing, but I want the split to be clear from day one.",
        "I write most evenings and want feedback that is honest but kind.",
        "I'd rather have one deep conversation than ten small-talk ones.",
        "My schedule changes every week, so flexibility really helps.",
        "I've tried apps before and they felt like a second job.",
        "Therapy helped me a lot and I'd like to keep going with someone who gets it.",
        "I care about sustainability and try to live it, not just talk about it.",
        "Board games, long dinners and the occasional karaoke night are my thing.",
        "I'm looking for someone who has opinions and will defend them over coffee.",
        "Credentials matter less to me than someone who has done this for real.",
        "I'd like to meet in person early instead of texting for weeks.",
        "Travel is a big part of my life: I'm away about one week a month.",
        "I'm a recovering perfectionist and working on shipping things.",
        "Music is how I relax; I play guitar badly but with enthusiasm.",
    ];
}
