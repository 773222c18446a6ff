using System.Numerics;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Matchmade.Core.Json;

/// <summary>
/// The project's one notion of JSON presence and equality (RULES.md), used by the merge, the verification and the
/// tests alike. Numbers compare by exact value at any precision (never through double), objects ignore key order,
/// strings compare ordinally. Deep values are walked with an explicit stack, not recursion.
/// </summary>
public static class JsonValues
{
    /// <summary>Deeper than any blob we expect, and still far from exhausting memory.</summary>
    public const int MaxDepth = 100_000;

    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth };

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

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    public static bool Equal(string jsonA, string jsonB)
    {
        using var a = JsonDocument.Parse(jsonA, DocumentOptions);
        using var b = JsonDocument.Parse(jsonB, DocumentOptions);
        return Equal(a.RootElement, b.RootElement);
    }

    public static bool Equal(JsonElement a, JsonElement b)
    {
        var pending = new Stack<(JsonElement A, JsonElement B)>();
        pending.Push((a, b));
        while (pending.Count > 0)
        {
            var (x, y) = pending.Pop();
            var kx = Normalize(x.ValueKind);
            if (kx != Normalize(y.ValueKind))
            {
                return false;
            }

            switch (x.ValueKind)
            {
                case JsonValueKind.String:
                    if (!x.ValueEquals(y.GetString()))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Number:
                    if (!NumbersEqual(x.GetRawText(), y.GetRawText()))
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    if (x.ValueKind != y.ValueKind)
                    {
                        return false;
                    }

                    break;
                case JsonValueKind.Array:
                    if (x.GetArrayLength() != y.GetArrayLength())
                    {
                        return false;
                    }

                    using (var ex = x.EnumerateArray())
                    using (var ey = y.EnumerateArray())
                    {
                        while (ex.MoveNext() && ey.MoveNext())
                        {
                            pending.Push((ex.Current, ey.Current));
                        }
                    }

                    break;
                case JsonValueKind.Object:
                    var count = 0;
                    foreach (var property in x.EnumerateObject())
                    {
                        count++;
                        if (!y.TryGetProperty(property.Name, out var other))
                        {
                            return false;
                        }

                        pending.Push((property.Value, other));
                    }

                    if (count != CountProperties(y))
                    {
                        return false;
                    }

                    break;
            }
        }

        return true;
    }

    /// <summary>
    /// A hash consistent with <see cref="Equal(JsonElement, JsonElement)"/> (equal values, equal hashes) that looks
    /// only one level into containers, so it is cheap and never deep. Used to bucket values before comparing.
    /// </summary>
    public static int ShallowHash(JsonElement value)
    {
        var hash = new HashCode();
        hash.Add(Normalize(value.ValueKind));
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                hash.Add(value.GetString(), StringComparer.Ordinal);
                break;
            case JsonValueKind.Number:
                hash.Add(CanonicalNumber(value.GetRawText()));
                break;
            case JsonValueKind.True:
                hash.Add(true);
                break;
            case JsonValueKind.Array:
                hash.Add(value.GetArrayLength());
                foreach (var item in value.EnumerateArray())
                {
                    hash.Add(ScalarHash(item));
                }

                break;
            case JsonValueKind.Object:
                var combined = 0;
                var count = 0;
                foreach (var property in value.EnumerateObject())
                {
                    // Order-independent: objects equal regardless of key order.
                    combined ^= HashCode.Combine(StringComparer.Ordinal.GetHashCode(property.Name), ScalarHash(property.Value));
                    count++;
                }

                hash.Add(combined);
                hash.Add(count);
                break;
        }

        return hash.ToHashCode();
    }

    /// <summary>Exact numeric comparison of two JSON number literals: 1 == 1.0 == 1e0, 1e400 == 1 followed by 400 zeros, -0 == 0.</summary>
    public static bool NumbersEqual(string a, string b) => string.Equals(a, b, StringComparison.Ordinal) || CanonicalNumber(a) == CanonicalNumber(b);

    /// <summary>sign, significant digits without leading/trailing zeros, and the exponent of the last digit.</summary>
    public static string CanonicalNumber(string literal)
    {
        var span = literal.AsSpan().Trim();
        var negative = span.Length > 0 && span[0] == '-';
        if (negative || (span.Length > 0 && span[0] == '+'))
        {
            span = span[1..];
        }

        var e = span.IndexOfAny('e', 'E');
        BigInteger exponent = 0;
        if (e >= 0)
        {
            exponent = BigInteger.Parse(span[(e + 1)..], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture);
            span = span[..e];
        }

        var dot = span.IndexOf('.');
        string digits;
        if (dot >= 0)
        {
            digits = string.Concat(span[..dot], span[(dot + 1)..]);
            exponent -= span.Length - dot - 1;
        }
        else
        {
            digits = span.ToString();
        }

        digits = digits.TrimStart('0');
        var trimmed = digits.TrimEnd('0');
        exponent += digits.Length - trimmed.Length;
        if (trimmed.Length == 0)
        {
            return "0";
        }

        return (negative ? "-" : string.Empty) + trimmed + "e" + exponent.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int ScalarHash(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => StringComparer.Ordinal.GetHashCode(value.GetString()!),
        JsonValueKind.Number => CanonicalNumber(value.GetRawText()).GetHashCode(StringComparison.Ordinal),
        JsonValueKind.Array => HashCode.Combine(1, value.GetArrayLength()),
        JsonValueKind.Object => HashCode.Combine(2, CountProperties(value)),
        var kind => (int)Normalize(kind),
    };

    private static JsonValueKind Normalize(JsonValueKind kind) => kind == JsonValueKind.False ? JsonValueKind.True : kind;

    private static bool HasAnyProperty(JsonElement value)
    {
        using var properties = value.EnumerateObject();
        return properties.MoveNext();
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
