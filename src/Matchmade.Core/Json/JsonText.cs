using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Matchmade.Core.Json;

/// <summary>
/// JSON as text, where it cannot (or need not) be parsed: string literals written by hand, the nesting depth of text
/// that failed to parse, and strings that parse but cannot be read. Linear, no recursion, any depth.
/// </summary>
public static class JsonText
{
    /// <summary>
    /// Appends <paramref name="text"/> as a JSON string literal: quotes, backslashes and control characters escaped
    /// (and an unpaired surrogate, as \uXXXX), everything else (any Unicode, astral planes included) as is.
    /// </summary>
    public static StringBuilder AppendQuoted(StringBuilder builder, string text)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        builder.Append('"');
        var run = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= ' ' && c != '"' && c != '\\' && !char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a proper pair (an astral character) stays as is
                continue;
            }

            builder.Append(text, run, i - run);
            run = i + 1;
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default: builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
            }
        }

        return builder.Append(text, run, text.Length - run).Append('"');
    }

    /// <summary>
    /// Appends the element's JSON text exactly as <see cref="JsonElement.GetRawText"/> gives it, without making that
    /// string: the merge appends every kept array item and object value, and on large blobs those strings were most
    /// of what it allocated.
    /// </summary>
    public static StringBuilder AppendRaw(StringBuilder builder, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var raw = JsonMarshal.GetRawUtf8Value(value);
        var rented = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(raw.Length));
        try
        {
            return builder.Append(rented, 0, Encoding.UTF8.GetChars(raw, rented));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary><paramref name="text"/> as a JSON string literal (see <see cref="AppendQuoted"/>).</summary>
    public static string Quote(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return AppendQuoted(new StringBuilder(text.Length + 2), text).ToString();
    }

    /// <summary>
    /// The deepest nesting of brackets in <paramref name="text"/>, counting outside string literals only; used to
    /// tell "too deep" from "not JSON" when a parse fails. Linear, no recursion, tolerant of broken text.
    /// </summary>
    public static int NestingDepth(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int depth = 0, max = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{':
                    max = Math.Max(max, ++depth);
                    break;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
        }

        return max;
    }

    /// <summary>
    /// Whether every string and property name in <paramref name="json"/> decodes to valid UTF-16 (JSON text can
    /// escape a lone surrogate, "\ud800", which System.Text.Json parses but cannot read as a string; jsonb refuses
    /// it). Reads the text up to <see cref="JsonValues.MaxDepth"/> deep; false for text that is not JSON at all.
    /// </summary>
    public static bool HasOnlyValidStrings(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        byte[] utf8;
        try
        {
            utf8 = Encoding.UTF8.GetBytes(json);
        }
        catch (ArgumentException)
        {
            return false;
        }

        return HasOnlyValidStrings(utf8);
    }

    /// <summary>Whether every string and property name in the value decodes to valid UTF-16 (see <see cref="HasOnlyValidStrings(string)"/>).</summary>
    public static bool HasOnlyValidStrings(JsonElement value) => HasOnlyValidStrings(JsonMarshal.GetRawUtf8Value(value));

    private static bool HasOnlyValidStrings(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, JsonValues.ReaderOptions);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }

        return true;
    }
}
