using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Merge;

/// <summary>
/// RULES.md as one pure function: a user's old contexts in, the user's ProfileNew row, ContextIntent rows and
/// findings out. No database, no clock, no randomness: the same input always gives the same output.
/// </summary>
public static class ProfileMerger
{
    private static readonly ContextType?[] OwnerOfIntentColumn = BuildOwners();

    public static MergeResult Merge(SourceUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var contexts = user.Contexts.ToArray();
        Array.Sort(contexts, CompareContexts);
        var documents = new List<JsonDocument>(contexts.Length);
        try
        {
            return MergeSorted(user.UserId, contexts, documents);
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    /// <summary>RULES.md: createdAt ascending, then the enum's order, then id.</summary>
    public static int CompareContexts(SourceContext a, SourceContext b)
    {
        var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byType = a.ContextType.CompareTo(b.ContextType);
        return byType != 0 ? byType : string.CompareOrdinal(a.ContextProfileId, b.ContextProfileId);
    }

    private static MergeResult MergeSorted(string userId, SourceContext[] contexts, List<JsonDocument> documents)
    {
        var findings = new List<Finding>();
        var shared = new SharedAccumulator();
        var intents = new List<MergedIntent>(contexts.Length);
        foreach (var context in contexts)
        {
            var values = new string?[FieldCatalog.IntentColumns.Count];
            if (Parse(userId, context, documents, findings) is { } blob)
            {
                foreach (var property in blob.EnumerateObject())
                {
                    Route(userId, context.ContextType, property, values, shared, findings);
                }
            }

            intents.Add(Intent(context, values));
        }

        var profile = shared.Build(userId, findings);
        return new MergeResult { Profile = profile, Intents = intents, Findings = findings };
    }

    /// <summary>The blob as an object to merge, or null (no Profile row, JSON null, or reported as invalid).</summary>
    private static JsonElement? Parse(string userId, SourceContext context, List<JsonDocument> documents, List<Finding> findings)
    {
        if (context.ProfileData is null)
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(context.ProfileData, JsonValues.DocumentOptions);
        }
        catch (JsonException e)
        {
            findings.Add(new InvalidValue(userId, context.ContextType, null, JsonSerializer.Serialize(context.ProfileData), $"not valid JSON ({e.Message})"));
            return null;
        }

        documents.Add(document);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return root;
            case JsonValueKind.Null:
                return null; // a JSON-null blob counts as an empty object
            default:
                findings.Add(new InvalidValue(userId, context.ContextType, null, root.GetRawText(), $"the blob is a JSON {JsonValues.Kind(root)}, not an object; nothing of it was migrated"));
                return null;
        }
    }

    /// <summary>Sends one key of a blob to exactly one place: a shared field, the context's own column, unmapped, or invalid.</summary>
    private static void Route(string userId, ContextType type, JsonProperty property, string?[] values, SharedAccumulator shared, List<Finding> findings)
    {
        var key = property.Name;
        var value = property.Value;
        var sharedIndex = FieldCatalog.SharedFieldIndex(key);
        if (sharedIndex >= 0)
        {
            if (!JsonValues.IsPresent(value))
            {
                return;
            }

            var kind = FieldCatalog.KindOf(key);
            var expected = kind switch
            {
                SharedFieldKind.Array => JsonValueKind.Array,
                SharedFieldKind.Object => JsonValueKind.Object,
                _ => JsonValueKind.String,
            };
            if (value.ValueKind != expected)
            {
                findings.Add(new InvalidValue(userId, type, key, value.GetRawText(), $"expected {Describe(expected)}, found {JsonValues.Kind(value)}"));
                return;
            }

            shared.Add(sharedIndex, type, value);
            return;
        }

        var column = FieldCatalog.IntentColumnIndex(key);
        if (column >= 0 && OwnerOfIntentColumn[column] == type)
        {
            if (!JsonValues.IsPresent(value))
            {
                return;
            }

            if (FieldCatalog.IsJsonIntentColumn(key))
            {
                values[column] = value.GetRawText();
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                values[column] = value.GetString();
            }
            else
            {
                findings.Add(new InvalidValue(userId, type, key, value.GetRawText(), $"expected string, found {JsonValues.Kind(value)}"));
            }

            return;
        }

        findings.Add(new UnmappedField(userId, type, key, value.GetRawText()));
    }

    private static MergedIntent Intent(SourceContext context, string?[] values)
    {
        var fields = FieldCatalog.FieldsOf(context.ContextType);
        var missing = new List<string>(fields.Count);
        foreach (var field in fields)
        {
            if (values[FieldCatalog.IntentColumnIndex(field)] is null)
            {
                missing.Add(field);
            }
        }

        return new MergedIntent
        {
            ContextProfileId = context.ContextProfileId,
            ContextType = context.ContextType,
            Values = values,
            Completeness = Completeness(fields.Count - missing.Count, fields.Count),
            Missing = missing,
        };
    }

    internal static int Completeness(int present, int total) => total == 0 ? 0 : 100 * present / total;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "string",
    };

    private static ContextType?[] BuildOwners()
    {
        var owners = new ContextType?[FieldCatalog.IntentColumns.Count];
        foreach (var type in ContextTypes.All)
        {
            foreach (var field in FieldCatalog.FieldsOf(type))
            {
                owners[FieldCatalog.IntentColumnIndex(field)] = type;
            }
        }

        return owners;
    }

    /// <summary>Collects the present values of the 8 shared fields across contexts, in context order.</summary>
    private sealed class SharedAccumulator
    {
        private readonly List<(ContextType Type, JsonElement Value)>?[] byField = new List<(ContextType, JsonElement)>?[FieldCatalog.SharedFields.Count];

        public void Add(int field, ContextType type, JsonElement value) => (byField[field] ??= []).Add((type, value));

        public MergedProfile Build(string userId, List<Finding> findings)
        {
            var json = new string?[byField.Length];
            var text = new string?[byField.Length];
            for (var i = 0; i < byField.Length; i++)
            {
                var name = FieldCatalog.SharedFields[i];
                var candidates = byField[i];
                switch (FieldCatalog.KindOf(name))
                {
                    case SharedFieldKind.Array:
                        json[i] = candidates is null ? null : MergeArrays(candidates);
                        break;
                    case SharedFieldKind.Object:
                        json[i] = candidates is null ? null : MergeObjects(userId, name, candidates, findings);
                        break;
                    default:
                        text[i] = candidates is null ? null : FirstString(userId, name, candidates, findings);
                        break;
                }
            }

            var missing = new List<string>();
            for (var i = 0; i < byField.Length; i++)
            {
                if (json[i] is null && text[i] is null)
                {
                    missing.Add(FieldCatalog.SharedFields[i]);
                }
            }

            string Json(string field, string empty) => json[FieldCatalog.SharedFieldIndex(field)] ?? empty;
            string? Text(string field) => text[FieldCatalog.SharedFieldIndex(field)];
            return new MergedProfile
            {
                UserId = userId,
                CoreValues = Json("coreValues", "[]"),
                Constraints = Json("constraints", "[]"),
                Beliefs = Json("beliefs", "{}"),
                InteractionStyle = Json("interactionStyle", "{}"),
                Lifestyle = Json("lifestyle", "{}"),
                Location = Text("location"),
                AgeRange = Text("ageRange"),
                Name = Text("name"),
                Completeness = Completeness(byField.Length - missing.Count, byField.Length),
                Missing = missing,
            };
        }

        /// <summary>Concatenate in context order; drop every element JSON-equal to an earlier one.</summary>
        private static string MergeArrays(List<(ContextType Type, JsonElement Value)> arrays)
        {
            var kept = new List<JsonElement>();
            var buckets = new Dictionary<int, List<JsonElement>>();
            foreach (var (_, array) in arrays)
            {
                foreach (var item in array.EnumerateArray())
                {
                    var hash = JsonValues.ShallowHash(item);
                    if (!buckets.TryGetValue(hash, out var bucket))
                    {
                        buckets[hash] = bucket = [];
                    }

                    if (!bucket.Exists(seen => JsonValues.Equal(seen, item)))
                    {
                        bucket.Add(item);
                        kept.Add(item);
                    }
                }
            }

            var builder = new StringBuilder("[");
            for (var i = 0; i < kept.Count; i++)
            {
                builder.Append(i == 0 ? string.Empty : ",").Append(kept[i].GetRawText());
            }

            return builder.Append(']').ToString();
        }

        /// <summary>
        /// Shallow merge, later context wins among present values; an absent nested value never overrides a present
        /// one; a key with only absent values keeps the last of them. Different present values: a conflict.
        /// </summary>
        private static string? MergeObjects(string userId, string field, List<(ContextType Type, JsonElement Value)> objects, List<Finding> findings)
        {
            var order = new List<string>();
            var byKey = new Dictionary<string, List<(ContextType Type, JsonElement Value)>>(StringComparer.Ordinal);
            foreach (var (type, obj) in objects)
            {
                foreach (var property in obj.EnumerateObject())
                {
                    if (!byKey.TryGetValue(property.Name, out var list))
                    {
                        byKey[property.Name] = list = [];
                        order.Add(property.Name);
                    }

                    list.Add((type, property.Value));
                }
            }

            var builder = new StringBuilder("{");
            for (var k = 0; k < order.Count; k++)
            {
                var key = order[k];
                var values = byKey[key];
                var present = values.FindAll(v => JsonValues.IsPresent(v.Value));
                var winner = present.Count > 0 ? present[^1].Value : values[^1].Value;
                if (present.Count > 1 && present.Exists(p => !JsonValues.Equal(p.Value, winner)))
                {
                    findings.Add(new Conflict(userId, field + "." + key, present.ConvertAll(p => new Candidate(p.Type, p.Value.GetRawText())), winner.GetRawText()));
                }

                builder.Append(k == 0 ? "\"" : ",\"")
                       .Append(JsonEncodedText.Encode(key, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString())
                       .Append("\":")
                       .Append(winner.GetRawText());
            }

            return order.Count == 0 ? null : builder.Append('}').ToString();
        }

        /// <summary>First present value wins; any different present value is a conflict.</summary>
        private static string FirstString(string userId, string field, List<(ContextType Type, JsonElement Value)> values, List<Finding> findings)
        {
            var first = values[0].Value;
            if (values.Exists(v => !JsonValues.Equal(v.Value, first)))
            {
                findings.Add(new Conflict(userId, field, values.ConvertAll(v => new Candidate(v.Type, v.Value.GetRawText())), first.GetRawText()));
            }

            return first.GetString()!;
        }
    }
}
