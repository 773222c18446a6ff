using System.Globalization;
using System.Text;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// Adversarial Profile.data blobs (issue 7's list), deterministic for a seed: nesting 1,000 deep, 10 MB strings,
/// numbers at the edges of every numeric type, escaped surrogate pairs and a character of every Unicode plane, keys
/// with dots, quotes and spaces, arrays of mixed types and of objects equal under JSON equality, top-level values of
/// every kind, and every field given every wrong JSON type. Each blob is text jsonb accepts.
/// </summary>
public static class HostileBlobs
{
    public static readonly string[] Numbers =
        ["1e400", "1E+400", "-0", "-0.0", "0", "0.10000000000000000000001", "0.1", "1", "1.0", "1e0", "-1e-400", "123456789012345678901234567890", "3.14159", "-42"];

    /// <summary>Strings that stress presence and equality: whitespace only, escapes, one character of each plane.</summary>
    public static readonly string[] Strings = BuildStrings();

    private static readonly string[] Keys =
    [
        "coreValues", "constraints", "beliefs", "interactionStyle", "lifestyle", "location", "ageRange", "name",
        "relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance", "friendshipDepth",
        "groupActivityPreference", "emotionalSupportExpectation", "partnershipType", "commitmentHorizon",
        "complementarySkills", "equityOrRevShare", "creativeType", "roleNeeded", "processStyle", "egoBalance",
        "compensationExpectation", "serviceType", "budgetRange", "timelineNeeded", "credentialsRequired",
        "a.b", "location.city", "say \"hi\"", " name", "name ", "Location", "NAME", "key with spaces", "semi;colon",
        "emoji😀", "back\\slash", "dealbreakers", "", "religion", "politics",
    ];

    private static readonly string[] TopLevel = ["[]", "[1,\"a\",null]", "\"just a string\"", "42", "1e400", "true", "false", "null", "[{\"location\":\"x\"}]"];

    /// <summary>Blob number <paramref name="index"/>: a mix of the kinds, each kind at fixed positions so all appear.</summary>
    public static string Blob(int index, int seed)
    {
        var random = new Random(HashCode.Combine(seed, index));
        return (index % 16) switch
        {
            0 => TopLevel[(index / 16) % TopLevel.Length],
            1 => Deep(index, random),
            2 => $"{{\"coreValues\":[1,1.0,1e0,\"1\",{{\"a\":1,\"b\":[1,2]}},{{\"b\":[1,2],\"a\":1}},null,true,[1,2],[1,2],\"\",{Num(random)},{Num(random)}],\"constraints\":[{{\"x\":{{\"y\":[]}}}},{{\"x\":{{\"y\":[]}}}}, -0, 0]}}",
            3 => WrongTypes(index),
            4 => $"{{\"a.b\":1,\"say \\\"hi\\\"\":2,\" name\":\"x\",\"location \":\"y\",\"Location\":\"z\",\"\":\"empty key\",\"emoji\\ud83d\\ude00\":[1],\"beliefs\":{{\"a.b\":{Num(random)},\"quote\\\"d\":\"v\"}}}}",
            5 => Escaped(random),
            6 => $"{{\"beliefs\":{{\"n\":{Num(random)}}},\"interactionStyle\":{{\"n\":{Num(random)},\"m\":{Str(random, escape: false)}}},\"location\":{Str(random, escape: random.Next(2) == 0)},\"name\":{Str(random, escape: false)}}}",
            _ => RandomObject(random, depth: 0),
        };
    }

    /// <summary>A blob holding a string of about <paramref name="megabytes"/> MB, under a mapped or an unmapped key.</summary>
    public static string Huge(int megabytes, bool mapped)
    {
        var text = new StringBuilder(megabytes * 1024 * 1024 + 64);
        text.Append(mapped ? "{\"location\":\"" : "{\"notes\":\"");
        var chunk = "0123456789abcdef é 😀 ";
        while (text.Length < megabytes * 1024 * 1024)
        {
            text.Append(chunk);
        }

        return text.Append("\",\"coreValues\":[\"a\"]}").ToString();
    }

    /// <summary>A blob nested <paramref name="depth"/> levels deep under an unmapped key (beyond the merge's limit when over 10,000).</summary>
    public static string Nested(int depth) => "{\"tooDeep\":" + new string('[', depth - 1) + "1" + new string(']', depth - 1) + ",\"location\":\"Lisbon\"}";

    private static string Deep(int index, Random random)
    {
        const int depth = 1000;
        var open = (index / 16 % 3) switch { 0 => "[", 1 => "{\"k\":", _ => "[{\"k\":" };
        var close = (index / 16 % 3) switch { 0 => "]", 1 => "}", _ => "}]" };
        var value = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            value.Append(open);
        }

        value.Append(Num(random));
        for (var i = 0; i < depth; i++)
        {
            value.Append(close);
        }

        // The same deep value under a shared object field, an array field, complementarySkills and an unmapped key.
        return $"{{\"beliefs\":{{\"deep\":{value}}},\"coreValues\":[{value}],\"complementarySkills\":{value},\"unmappedDeep\":{value}}}";
    }

    private static string WrongTypes(int index)
    {
        string[] values = ["5", "[]", "{}", "true", "false", "null", "\"s\"", "[\"a\"]", "{\"x\":1}", "\"   \"", "-0"];
        var text = new StringBuilder("{");
        for (var k = 0; k < 28; k++)
        {
            if (k > 0)
            {
                text.Append(',');
            }

            text.Append('"').Append(Keys[k]).Append("\":").Append(values[(index / 16 + k) % values.Length]);
        }

        return text.Append('}').ToString();
    }

    private static string Escaped(Random random)
    {
        var text = new StringBuilder("{\"coreValues\":[");
        for (var i = 0; i < Strings.Length; i++)
        {
            text.Append(i > 0 ? "," : string.Empty).Append(Quote(Strings[i], escape: i % 2 == 0));
        }

        // The same strings, escaped the other way round: equal after unescaping, so dropped as duplicates.
        for (var i = 0; i < Strings.Length; i++)
        {
            text.Append(',').Append(Quote(Strings[i], escape: i % 2 == 1));
        }

        return text.Append("],\"name\":").Append(Str(random, escape: true)).Append(",\"lifestyle\":{\"\\u00e9t\\u00e9\":1,\"été\":2}}").ToString();
    }

    private static string RandomObject(Random random, int depth)
    {
        var text = new StringBuilder("{");
        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(Quote(Keys[random.Next(Keys.Length)], escape: random.Next(4) == 0)).Append(':').Append(RandomValue(random, depth + 1));
        }

        return text.Append('}').ToString();
    }

    private static string RandomValue(Random random, int depth)
    {
        var kind = random.Next(depth > 4 ? 5 : 7);
        switch (kind)
        {
            case 0: return "null";
            case 1: return random.Next(2) == 0 ? "true" : "false";
            case 2: return Num(random);
            case 3:
            case 4: return Str(random, escape: random.Next(3) == 0);
            case 5:
                var items = new StringBuilder("[");
                var n = random.Next(0, 6);
                for (var i = 0; i < n; i++)
                {
                    items.Append(i > 0 ? "," : string.Empty).Append(RandomValue(random, depth + 1));
                }

                return items.Append(']').ToString();
            default: return RandomObject(random, depth);
        }
    }

    private static string Num(Random random) => Numbers[random.Next(Numbers.Length)];

    private static string Str(Random random, bool escape) => Quote(Strings[random.Next(Strings.Length)], escape);

    /// <summary>A JSON string; with <paramref name="escape"/>, every non-ASCII character as \uXXXX (astral ones as surrogate pairs).</summary>
    public static string Quote(string value, bool escape)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case < ' ': text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                case > '~' when escape: text.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('"').ToString();
    }

    private static string[] BuildStrings()
    {
        var strings = new List<string> { "", " ", "\u00a0", "\u200b", "\t\n", "NYC", "nyc", "  Boston ", "a.b", "quote\"d", "back\\slash", "é", "e\u0301", "😀", "\U0001F469\u200D\U0001F4BB" };
        // One character from each of the 17 planes (private-use and unassigned ones included).
        for (var plane = 0; plane <= 16; plane++)
        {
            var codePoint = plane == 0 ? 0x4E2D : (plane << 16) + 0x0041;
            strings.Add("plane" + plane + ":" + char.ConvertFromUtf32(codePoint));
        }

        return [.. strings];
    }
}
