using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Matchmade.Core.Json;

/// <summary>
/// The project's one notion of JSON presence and equality (RULES.md), used by the merge, the verification and the
/// tests alike. Numbers compare by exact value at any precision (never through double or decimal), objects ignore
/// key order, strings compare ordinally. Nothing here recurses without a bound: deep values are walked with an
/// explicit stack, so values nested to any depth are safe on any thread.
/// </summary>
public static class JsonValues
{
    /// <summary>
    /// The deepest nesting of a Profile.data blob (and so of any value in it) the merge parses: the blob's own object
    /// is level 1. Deeper blobs are reported as an invalid value ("nested deeper than 10000") and not migrated.
    /// JsonDocument's parse time grows with the square of the depth (about 0.15 s at 10,000 levels, 10 s at 100,000),
    /// so this bounds what one hostile blob can cost.
    /// </summary>
    public const int MaxBlobDepth = 10_000;

    /// <summary>
    /// The deepest nesting of the JSON documents the module writes and reads around those values (reports, which
    /// embed values a few levels down). Utf8JsonReader/Utf8JsonWriter are linear in depth, so this can be generous.
    /// </summary>
    public const int MaxDepth = 100_000;

    /// <summary>How deep <see cref="Hash(JsonElement)"/> looks; below this a container only contributes its kind and size.</summary>
    private const int HashDepth = 16;

    /// <summary>Objects with more properties than this are compared through a dictionary instead of a linear scan.</summary>
    private const int LinearObjectCompare = 8;

    /// <summary>For parsing blobs and values taken from them: <see cref="MaxBlobDepth"/> deep.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxBlobDepth };

    /// <summary>For reading documents that embed values: <see cref="MaxDepth"/> deep.</summary>
    public static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>For JSON the module writes: deep values allowed, non-ASCII text not escaped.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { MaxDepth = MaxDepth, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>RULES.md: absent = null, empty or whitespace-only string, [] or {}; everything else is present.</summary>
    public static bool IsPresent(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => false,
        JsonValueKind.String => !string.IsNullOrWhiteSpace(value.GetString()),
        JsonValueKind.Array => value.GetArrayLength() > 0,
        JsonValueKind.Object => HasAnyProperty(value),
        _ => true,
    };

    /// <summary>The JSON type's name for messages: object, array, string, number, boolean or null.</summary>
    public static string Kind(JsonElement value) => Kind(value.ValueKind);

    public static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    /// <summary>Parses both texts (up to <see cref="MaxBlobDepth"/> deep) and compares them with <see cref="Equal(JsonElement, JsonElement)"/>.</summary>
    public static bool Equal(string jsonA, string jsonB)
    {
        ArgumentNullException.ThrowIfNull(jsonA);
        ArgumentNullException.ThrowIfNull(jsonB);
        using var a = JsonDocument.Parse(jsonA, DocumentOptions);
        using var b = JsonDocument.Parse(jsonB, DocumentOptions);
        return Equal(a.RootElement, b.RootElement);
    }

    /// <summary>
    /// Deep JSON equality: same kind; strings ordinal; numbers by exact value (1 == 1.0 == 1e0, -0 == 0,
    /// 1e400 == 1E+400); arrays element by element in order; objects with the same keys (in any order) and equal
    /// values. No recursion: any depth is safe.
    /// </summary>
    public static bool Equal(JsonElement a, JsonElement b)
    {
        if (!ScalarEqual(a, b, out var container))
        {
            return false;
        }

        return !container || ContainersEqual(a, b);
    }

    /// <summary>
    /// A hash consistent with <see cref="Equal(JsonElement, JsonElement)"/> (equal values, equal hashes; key order
    /// ignored). It looks at most 16 levels deep (bounded recursion), so it is linear in the value's size and safe at
    /// any depth. Stable within a process only.
    /// </summary>
    public static int Hash(JsonElement value) => Hash(value, HashDepth);

    /// <summary>Exact numeric comparison of two JSON number literals: 1 == 1.0 == 1e0, 1e400 == 1 followed by 400 zeros, -0 == 0.</summary>
    public static bool NumbersEqual(string a, string b) => string.Equals(a, b, StringComparison.Ordinal) || string.Equals(CanonicalNumber(a), CanonicalNumber(b), StringComparison.Ordinal);

    /// <summary>
    /// A JSON number literal in canonical form: "0" for any zero, else sign, the significant digits without leading
    /// or trailing zeros, "e" and the exponent of the last digit (123.40 -> "1234e-1", -1E+3 -> "-1e3"). Exact at any
    /// precision and any exponent.
    /// </summary>
    public static string CanonicalNumber(string literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        var span = literal.AsSpan().Trim();
        var negative = false;
        if (span.Length > 0 && (span[0] == '-' || span[0] == '+'))
        {
            negative = span[0] == '-';
            span = span[1..];
        }

        var exponentText = ReadOnlySpan<char>.Empty;
        var e = span.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            exponentText = span[(e + 1)..];
            span = span[..e];
        }

        var dot = span.IndexOf('.');
        var integerPart = dot >= 0 ? span[..dot] : span;
        var fraction = dot >= 0 ? span[(dot + 1)..] : [];

        // The digits are integerPart + fraction; the exponent of their last digit is exponent - fraction.Length.
        var digits = new StringBuilder(integerPart.Length + fraction.Length);
        digits.Append(integerPart).Append(fraction);
        var start = 0;
        while (start < digits.Length && digits[start] == '0')
        {
            start++;
        }

        var end = digits.Length;
        while (end > start && digits[end - 1] == '0')
        {
            end--;
        }

        if (end == start)
        {
            return "0";
        }

        var exponent = ShiftedExponent(exponentText, (digits.Length - end) - fraction.Length);
        var result = new StringBuilder(end - start + exponent.Length + 2);
        if (negative)
        {
            result.Append('-');
        }

        return result.Append(digits, start, end - start).Append('e').Append(exponent).ToString();
    }

    /// <summary>The literal's exponent (empty: 0) plus <paramref name="shift"/>, as text; exact at any size.</summary>
    private static string ShiftedExponent(ReadOnlySpan<char> exponentText, int shift)
    {
        if (exponentText.Length <= 18 && long.TryParse(exponentText.IsEmpty ? "0" : exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var small))
        {
            return (small + shift).ToString(CultureInfo.InvariantCulture);
        }

        return (BigInteger.Parse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) + shift).ToString(CultureInfo.InvariantCulture);
    }

    internal static bool HasAnyProperty(JsonElement value)
    {
        using var properties = value.EnumerateObject();
        return properties.MoveNext();
    }

    /// <summary>Compares kinds and scalar values; for two containers of the same kind says so and leaves them to the caller.</summary>
    private static bool ScalarEqual(JsonElement x, JsonElement y, out bool container)
    {
        container = false;
        var kind = x.ValueKind;
        if (kind != y.ValueKind)
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.String:
                return x.ValueEquals(y.GetString());
            case JsonValueKind.Number:
                return NumbersEqual(x.GetRawText(), y.GetRawText());
            case JsonValueKind.Array:
            case JsonValueKind.Object:
                container = true;
                return true;
            default:
                return true; // null, true, false: the kind is the value
        }
    }

    private static bool ContainersEqual(JsonElement a, JsonElement b)
    {
        var pending = new Stack<(JsonElement A, JsonElement B)>();
        pending.Push((a, b));
        while (pending.Count > 0)
        {
            var (x, y) = pending.Pop();
            var equal = x.ValueKind == JsonValueKind.Array ? ArraysEqual(pending, x, y) : ObjectsEqual(pending, x, y);
            if (!equal)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Same length and, element by element, equal scalars; the containers among them are queued. False when they already differ.</summary>
    private static bool ArraysEqual(Stack<(JsonElement A, JsonElement B)> pending, JsonElement x, JsonElement y)
    {
        if (x.GetArrayLength() != y.GetArrayLength())
        {
            return false;
        }

        using var ex = x.EnumerateArray();
        using var ey = y.EnumerateArray();
        while (ex.MoveNext() && ey.MoveNext())
        {
            if (!Push(pending, ex.Current, ey.Current))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The same keys in any order with equal scalars; the containers among the values are queued. False when they already differ.</summary>
    private static bool ObjectsEqual(Stack<(JsonElement A, JsonElement B)> pending, JsonElement x, JsonElement y)
    {
        var count = CountProperties(x);
        if (count != CountProperties(y))
        {
            return false;
        }

        if (count <= LinearObjectCompare)
        {
            foreach (var property in x.EnumerateObject())
            {
                if (!y.TryGetProperty(property.Name, out var other) || !Push(pending, property.Value, other))
                {
                    return false;
                }
            }

            return HasEveryKeyOf(x, y);
        }

        var byName = new Dictionary<string, JsonElement>(count, StringComparer.Ordinal);
        foreach (var property in y.EnumerateObject())
        {
            byName[property.Name] = property.Value;
        }

        var names = new HashSet<string>(count, StringComparer.Ordinal);
        foreach (var property in x.EnumerateObject())
        {
            if (!byName.TryGetValue(property.Name, out var other) || !Push(pending, property.Value, other))
            {
                return false;
            }

            names.Add(property.Name);
        }

        // Equal counts and x's keys all in y mean the same keys only without a repeated key (hand-made text:
        // {"a":2,"a":2} against {"a":2,"b":1}); y's keys must all be in x too.
        return names.Count == byName.Count;
    }

    /// <summary>Whether every key of <paramref name="y"/> is one of <paramref name="x"/>'s (the reverse of the check above; see there).</summary>
    private static bool HasEveryKeyOf(JsonElement x, JsonElement y)
    {
        foreach (var property in y.EnumerateObject())
        {
            if (!x.TryGetProperty(property.Name, out _))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Compares scalars at once; queues containers. False when they already differ.</summary>
    private static bool Push(Stack<(JsonElement A, JsonElement B)> pending, JsonElement x, JsonElement y)
    {
        if (!ScalarEqual(x, y, out var container))
        {
            return false;
        }

        if (container)
        {
            pending.Push((x, y));
        }

        return true;
    }

    private static int Hash(JsonElement value, int depth)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return HashCode.Combine(3, StringComparer.Ordinal.GetHashCode(value.GetString()!));
            case JsonValueKind.Number:
                return HashCode.Combine(4, StringComparer.Ordinal.GetHashCode(CanonicalNumber(value.GetRawText())));
            case JsonValueKind.Array:
            {
                var hash = new HashCode();
                hash.Add(5);
                hash.Add(value.GetArrayLength());
                if (depth > 0)
                {
                    foreach (var item in value.EnumerateArray())
                    {
                        hash.Add(Hash(item, depth - 1));
                    }
                }

                return hash.ToHashCode();
            }

            case JsonValueKind.Object:
            {
                var combined = 0;
                var count = 0;
                foreach (var property in value.EnumerateObject())
                {
                    count++;
                    if (depth > 0)
                    {
                        // Summed, so the order of the keys does not matter.
                        combined += HashCode.Combine(StringComparer.Ordinal.GetHashCode(property.Name), Hash(property.Value, depth - 1));
                    }
                }

                return HashCode.Combine(6, count, combined);
            }

            default:
                return (int)value.ValueKind;
        }
    }

    private static int CountProperties(JsonElement value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateObject())
        {
            count++;
        }

        return count;
    }
}
