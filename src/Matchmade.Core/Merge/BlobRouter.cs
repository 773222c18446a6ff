using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Merge;

/// <summary>
/// Reads one context's blob and sends each of its keys to exactly one place: a shared field's candidates, the
/// context's own ContextIntent column, or a finding (an unmapped key, or an invalid value: the wrong JSON type, a
/// repeated key, a blob that is not an object or not JSON at all).
/// </summary>
internal static class BlobRouter
{
    private static readonly int SharedCount = FieldCatalog.SharedFields.Count;

    /// <summary>Every key the merge maps: shared field i -> i; ContextIntent column c -> SharedCount + c.</summary>
    private static readonly Dictionary<string, int> KeyCodes = BuildKeyCodes();

    private static readonly int JsonColumn = FieldCatalog.IntentColumnIndex("complementarySkills");

    /// <summary>
    /// Routes the context's blob: its shared values into <paramref name="scratch"/>, its own fields into
    /// <paramref name="values"/> (aligned with <see cref="FieldCatalog.IntentColumns"/>), the rest into findings.
    /// </summary>
    public static void Route(string userId, SourceContext context, string?[] values, MergeScratch scratch, bool strict, ref List<Finding>? findings)
    {
        if (TryParseBlob(userId, context, scratch, strict, ref findings, out var blob))
        {
            RouteBlob(userId, context.ContextType, blob, values, scratch, ref findings);
        }
    }

    /// <summary>The blob as an object to route, or false: no Profile row, JSON null (both an empty object), or reported as invalid.</summary>
    private static bool TryParseBlob(string userId, SourceContext context, MergeScratch scratch, bool strict, ref List<Finding>? findings, out JsonElement blob)
    {
        blob = default;
        var text = context.ProfileData;
        if (text is null)
        {
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonValues.DocumentOptions);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: the .NET string itself holds an unpaired surrogate (cannot come from PostgreSQL).
            var reason = JsonText.NestingDepth(text) > JsonValues.MaxBlobDepth ? $"nested deeper than {JsonValues.MaxBlobDepth}" : "not valid JSON";
            FindingList.Add(ref findings, new InvalidValue(userId, context.ContextType, null, JsonText.Quote(text), reason));
            return false;
        }

        scratch.Documents.Add(document);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object when strict && !ReadsOnlyValidStrings(root, context.ContextType):
                FindingList.Add(ref findings, new InvalidValue(userId, context.ContextType, null, root.GetRawText(), "a string or key escapes an unpaired surrogate (not valid Unicode); nothing of it was migrated"));
                return false;
            case JsonValueKind.Object:
                blob = root;
                return true;
            case JsonValueKind.Null:
                return false; // a JSON-null blob counts as an empty object
            default:
                FindingList.Add(ref findings, new InvalidValue(userId, context.ContextType, null, root.GetRawText(), $"the blob is a JSON {JsonValues.Kind(root)}, not an object; nothing of it was migrated"));
                return false;
        }
    }

    /// <summary>Sends each key of a blob to exactly one place: a shared field, the context's own column, unmapped, or invalid.</summary>
    private static void RouteBlob(string userId, ContextType type, JsonElement blob, string?[] values, MergeScratch scratch, ref List<Finding>? findings)
    {
        var seen = 0; // bit per key code: a key repeated in one blob (impossible in jsonb) is migrated once
        foreach (var property in blob.EnumerateObject())
        {
            var key = property.Name;
            var value = property.Value;
            if (!TryMap(key, type, out var code))
            {
                FindingList.Add(ref findings, new UnmappedField(userId, type, key, value));
                continue;
            }

            var bit = 1 << code;
            if ((seen & bit) != 0)
            {
                FindingList.Add(ref findings, new InvalidValue(userId, type, key, value.GetRawText(), "duplicate key: only its first occurrence was migrated"));
                continue;
            }

            seen |= bit;
            var reason = code < SharedCount
                ? RouteShared(code, type, value, scratch)
                : RouteColumn(code - SharedCount, value, values);
            if (reason is not null)
            {
                FindingList.Add(ref findings, new InvalidValue(userId, type, key, value.GetRawText(), reason));
            }
        }
    }

    /// <summary>The key's code when the merge maps it in a blob of this context: a shared field or the context's own field.</summary>
    private static bool TryMap(string key, ContextType type, out int code) =>
        KeyCodes.TryGetValue(key, out code) && (code < SharedCount || FieldCatalog.OwnerAt(code - SharedCount) == type);

    /// <summary>
    /// Strict mode (a string of this user could not be read): whether the strings the merge reads from this blob, its
    /// keys and its mapped values, are valid Unicode. An unmapped key's value is never read (it is reported as
    /// stored), so a bad string there must not make the blob invalid: the blob comes out as it would alone.
    /// </summary>
    private static bool ReadsOnlyValidStrings(JsonElement blob, ContextType type)
    {
        foreach (var property in blob.EnumerateObject())
        {
            string key;
            try
            {
                key = property.Name;
            }
            catch (InvalidOperationException)
            {
                return false;
            }

            if (TryMap(key, type, out _) && !JsonText.HasOnlyValidStrings(property.Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Collects a present shared value of the right type. Returns the reason when the type is wrong, else null.</summary>
    private static string? RouteShared(int field, ContextType type, JsonElement value, MergeScratch scratch)
    {
        var kind = FieldCatalog.KindAt(field);
        string? text = null;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                text = value.GetString()!;
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                break;
            case JsonValueKind.Array:
                if (value.GetArrayLength() == 0)
                {
                    return null;
                }

                break;
            case JsonValueKind.Object:
                if (!JsonValues.HasAnyProperty(value))
                {
                    return null;
                }

                break;
        }

        if (kind == KindOf(value.ValueKind))
        {
            scratch.Shared[field].Add(new SharedValue(type, value, text));
            return null;
        }

        return $"expected {KindName(kind)}, found {JsonValues.Kind(value)}";
    }

    /// <summary>Fills the context's own column from a present value. Returns the reason when the type is wrong, else null.</summary>
    private static string? RouteColumn(int column, JsonElement value, string?[] values)
    {
        if (column == JsonColumn)
        {
            if (JsonValues.IsPresent(value))
            {
                values[column] = value.GetRawText(); // any JSON value, kept exactly as stored
            }

            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (!string.IsNullOrWhiteSpace(text))
                {
                    values[column] = text;
                }

                return null;
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.Array when value.GetArrayLength() == 0:
                return null;
            case JsonValueKind.Object when !JsonValues.HasAnyProperty(value):
                return null;
            default:
                return $"expected string, found {JsonValues.Kind(value)}";
        }
    }

    /// <summary>The shared field kind a present JSON value of this kind can fill, or null (numbers, booleans).</summary>
    private static SharedFieldKind? KindOf(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => SharedFieldKind.String,
        JsonValueKind.Array => SharedFieldKind.Array,
        JsonValueKind.Object => SharedFieldKind.Object,
        _ => null,
    };

    private static string KindName(SharedFieldKind kind) => kind switch
    {
        SharedFieldKind.Array => "array",
        SharedFieldKind.Object => "object",
        _ => "string",
    };

    private static Dictionary<string, int> BuildKeyCodes()
    {
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < SharedCount; i++)
        {
            codes.Add(FieldCatalog.SharedFields[i], i);
        }

        for (var c = 0; c < FieldCatalog.IntentColumns.Count; c++)
        {
            codes.Add(FieldCatalog.IntentColumns[c], SharedCount + c);
        }

        return codes.Count <= 32 ? codes : throw new InvalidOperationException("The key codes must fit a 32-bit mask.");
    }
}
