using System.Text;
using System.Text.Json;

namespace Matchmade.Fixtures;

/// <summary>What the generated blobs look like; every shape is deterministic from the seed.</summary>
public enum DataShape
{
    /// <summary>Today's synthetic users (the data every older figure was measured on): rare conflicts, 5% edge cases, blobs of ~450 bytes.</summary>
    Synthetic,

    /// <summary>
    /// Every user 2-5 contexts; most shared scalars and object keys disagree across contexts; many unmapped keys; some
    /// wrong-typed values. Several findings per user, no RULES.md edge cases.
    /// </summary>
    ConflictHeavy,

    /// <summary>Blobs of ~10 KB on average (long answers, nested values 8-64 levels deep); one user in 2,000 nests 1,000 levels deep and one in 20,000 has a 1 MB blob.</summary>
    LargeBlobs,
}

/// <summary>The shapes' names as the benchmark takes them (<c>-Shape synthetic|conflict-heavy|large-blobs</c>).</summary>
public static class DataShapes
{
    public static IReadOnlyList<DataShape> All { get; } = Enum.GetValues<DataShape>();

    public static string Name(DataShape shape) => shape switch
    {
        DataShape.ConflictHeavy => "conflict-heavy",
        DataShape.LargeBlobs => "large-blobs",
        _ => "synthetic",
    };

    /// <summary>A name of <see cref="Name"/>, case-insensitive; null if it is none.</summary>
    public static DataShape? Parse(string name) => All.Cast<DataShape?>().FirstOrDefault(s => string.Equals(Name(s!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>The blob writers of the shapes other than <see cref="DataShape.Synthetic"/> (that one is <see cref="UserPlan"/>'s own).</summary>
internal static class ShapedBlobs
{
    private const ulong LargeSalt = 0x1a93eb10bUL;

    /// <summary>Keys no table has: the seed's, others the app once wrote, and another context's fields.</summary>
    private static readonly string[] Unmapped = ["intent", "preferences", "dealbreakers", "notes", "favouriteColour", "onboardingVersion", "_legacy", "lastScreen", "referral", "timezone"];

    /// <summary>The wrong-typed values a conflict-heavy blob may carry (one key each): an invalid-value finding.</summary>
    private static readonly (string Key, string Raw)[] Invalid = [("location", "42"), ("coreValues", "\"honesty\""), ("beliefs", "\"spiritual\""), ("ageRange", "[\"30\", \"35\"]"), ("", "5")];

    public static void Write(Utf8JsonWriter w, ref Rng r, UserPlan u, int position, string contextType)
    {
        if (u.Shape == DataShape.ConflictHeavy)
        {
            ConflictHeavy(w, ref r, u, position, contextType);
        }
        else
        {
            LargeBlob(w, ref r, u, position, contextType);
        }
    }

    private static void ConflictHeavy(Utf8JsonWriter w, ref Rng r, UserPlan u, int position, string contextType)
    {
        var fields = Vocabulary.FieldsOf(contextType);
        // One blob in eight carries a wrong-typed value; its key is written only so (jsonb keeps one value per key).
        var invalid = r.Chance(0.125) ? r.Next(Invalid.Length) : -1;
        var invalidKey = invalid < 0 ? null : Invalid[invalid].Key.Length == 0 ? fields[0] : Invalid[invalid].Key;

        Scalar(w, ref r, "name", u.Name, Vocabulary.Names, position, invalidKey);
        Scalar(w, ref r, "location", u.Location, Vocabulary.Cities, position, invalidKey);
        Scalar(w, ref r, "ageRange", u.AgeRange, Vocabulary.AgeRanges, position, invalidKey);
        if (invalidKey != "coreValues" && r.Chance(0.7))
        {
            w.WriteStartArray("coreValues");
            UserPlan.WriteDistinct(w, ref r, Vocabulary.Values, r.Between(2, 5));
            w.WriteEndArray();
        }

        if (invalidKey != "beliefs" && r.Chance(0.85))
        {
            w.WriteStartObject("beliefs");
            Scalar(w, ref r, "religion", u.Religion, Vocabulary.Religions, position, null);
            Scalar(w, ref r, "politics", u.Politics, Vocabulary.Politics, position, null);
            Scalar(w, ref r, "family", Vocabulary.FamilyViews[u.Index % Vocabulary.FamilyViews.Length], Vocabulary.FamilyViews, position, null);
            w.WriteEndObject();
        }

        w.WriteStartObject("interactionStyle");
        Scalar(w, ref r, "communication", u.Communication, Vocabulary.Communication, position, null);
        Scalar(w, ref r, "energy", u.Energy, Vocabulary.Energy, position, null);
        w.WriteEndObject();
        w.WriteStartObject("lifestyle");
        Scalar(w, ref r, "diet", u.Diet, Vocabulary.Diets, position, null);
        Scalar(w, ref r, "exercise", u.Exercise, Vocabulary.Exercise, position, null);
        Scalar(w, ref r, "drinking", Vocabulary.Drinking[u.Index % Vocabulary.Drinking.Length], Vocabulary.Drinking, position, null);
        w.WriteEndObject();

        foreach (var field in fields)
        {
            if (field != invalidKey && r.Chance(0.8))
            {
                w.WriteString(field, r.Pick(Vocabulary.Answers(field)));
            }
        }

        if (r.Chance(0.5))
        {
            // 1-3 distinct unmapped keys, now and then one of a thousand app-specific names or another context's field.
            var start = r.Next(Unmapped.Length);
            var step = Vocabulary.Steps[r.Next(Vocabulary.Steps.Length)];
            for (int i = 0, n = r.Between(1, 3); i < n; i++)
            {
                w.WriteString(Unmapped[(start + i * step) % Unmapped.Length], r.Pick(Vocabulary.Sentences));
            }

            if (r.Chance(0.3))
            {
                w.WriteNumber($"custom_{r.Next(1000)}", r.Next(100));
            }

            if (r.Chance(0.2))
            {
                var other = Vocabulary.ContextTypes[(Array.IndexOf(Vocabulary.ContextTypes, contextType) + 1) % Vocabulary.ContextTypes.Length];
                w.WriteString(Vocabulary.FieldsOf(other)[0], "belongs to another context");
            }
        }

        if (invalidKey is not null)
        {
            w.WritePropertyName(invalidKey);
            w.WriteRawValue(Invalid[invalid].Raw, skipInputValidation: true);
        }
    }

    /// <summary>
    /// Present 85% of the time; the first context says the user's own value, each later one says another value 60%
    /// of the time (a different one per context): with two contexts or more, most users have a conflict on the key.
    /// </summary>
    private static void Scalar(Utf8JsonWriter w, ref Rng r, string key, string own, string[] from, int position, string? skip)
    {
        if (key == skip || !r.Chance(0.85))
        {
            return;
        }

        var value = position == 0 || !r.Chance(0.6) ? own : from[(Array.IndexOf(from, own) + position) % from.Length];
        w.WriteString(key, value);
    }

    private static void LargeBlob(Utf8JsonWriter w, ref Rng r, UserPlan u, int position, string contextType)
    {
        // The shared part comes from the user's own generator, so every context repeats it (as the app copied it): the
        // merge compares big equal values (no big conflicts in the report); the context's own answers differ.
        var s = new Rng(Rng.Hash(u.Seed, u.Index, 0, LargeSalt));
        var target = position == 0 && u.Index % 20_000 == 7 ? 1 << 20 : 1024 * r.Between(2, 18);
        var shared = 1024 * s.Between(1, 8);
        var depth = u.Index % 2_000 == 11 ? 1_000 : s.Between(8, 64);

        w.WriteString("name", u.Name);
        w.WriteString("location", u.Location);
        w.WriteString("ageRange", u.AgeRange);
        w.WriteStartArray("coreValues");
        UserPlan.WriteDistinct(w, ref s, Vocabulary.Values, s.Between(3, 12));
        w.WriteEndArray();
        w.WriteStartObject("beliefs");
        w.WriteString("religion", u.Religion);
        w.WriteString("politics", u.Politics);
        w.WriteString("story", Text(ref s, shared / 2));
        w.WriteEndObject();
        w.WriteStartObject("interactionStyle");
        w.WriteString("communication", u.Communication);
        w.WriteString("energy", u.Energy);
        w.WriteStartArray("examples");
        for (var written = 0; written < shared / 2;)
        {
            var sentence = s.Pick(Vocabulary.Sentences);
            w.WriteStringValue(sentence);
            written += sentence.Length + 4;
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartObject("lifestyle");
        w.WriteString("diet", u.Diet);
        w.WriteString("exercise", u.Exercise);
        // Raw text: the writer's own depth limit (1,000) would refuse the deepest; the merge takes 10,000 levels.
        w.WritePropertyName("routine");
        w.WriteRawValue(Nested(ref s, depth), skipInputValidation: true);
        w.WriteEndObject();

        var fields = Vocabulary.FieldsOf(contextType);
        var perField = Math.Max(64, (int)(target - w.BytesCommitted - w.BytesPending) / fields.Length);
        foreach (var field in fields)
        {
            if (field == "complementarySkills")
            {
                w.WriteStartArray(field);
                for (var written = 0; written < perField;)
                {
                    w.WriteStartObject();
                    w.WriteString("skill", r.Pick(Vocabulary.Skills));
                    w.WriteNumber("years", r.Between(1, 20));
                    w.WriteStartObject("detail");
                    var note = Text(ref r, 200);
                    w.WriteString("note", note);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    written += note.Length + 60;
                }

                w.WriteEndArray();
                continue;
            }

            w.WriteString(field, r.Pick(Vocabulary.Answers(field)) + ". " + Text(ref r, perField));
        }
    }

    /// <summary>Sentences until about <paramref name="bytes"/> long.</summary>
    private static string Text(ref Rng r, int bytes)
    {
        var text = new StringBuilder(bytes + 128);
        while (text.Length < bytes)
        {
            text.Append(r.Pick(Vocabulary.Sentences)).Append(' ');
        }

        return text.ToString(0, Math.Max(0, text.Length - 1));
    }

    /// <summary>An object nested <paramref name="depth"/> levels deep: {"step": 1, "note": ..., "then": {"step": 2, ...}}.</summary>
    private static string Nested(ref Rng r, int depth)
    {
        var text = new StringBuilder(depth * 24);
        for (var i = 1; i <= depth; i++)
        {
            text.Append("{\"step\": ").Append(i);
            if (i % 8 == 1)
            {
                text.Append(", \"note\": \"").Append(r.Pick(Vocabulary.Schedules)).Append('"');
            }

            text.Append(i < depth ? ", \"then\": " : string.Empty);
        }

        return text.Append('}', depth).ToString();
    }
}
