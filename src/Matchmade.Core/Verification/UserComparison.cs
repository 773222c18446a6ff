using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Verification;

/// <summary>One user's stored rows against the rows the rules compute from the user's old rows.</summary>
internal static class UserComparison
{
    /// <summary>Field by field, ids and timestamps aside.</summary>
    public static List<string> Compare(string userId, MergeResult expected, StoredProfile? profile, List<StoredIntent>? intents)
    {
        var differences = new Differences(userId);
        if (profile is null)
        {
            differences.Add($"{userId}: no ProfileNew");
        }
        else
        {
            CompareProfile(differences, expected.Profile, profile);
        }

        var stored = ByContext(differences, userId, intents ?? []);
        foreach (var intent in expected.Intents)
        {
            if (!stored.Remove(intent.ContextType, out var row))
            {
                differences.Add($"{userId}: no ContextIntent for {ContextTypes.ToDbName(intent.ContextType)}");
                continue;
            }

            CompareIntent(differences, intent, row);
        }

        differences.List.AddRange(stored.Keys.Select(t => $"{userId}: ContextIntent for {ContextTypes.ToDbName(t)} has no ContextProfile"));
        return differences.List;
    }

    /// <summary>
    /// Every key of every blob must be accounted for: the merge's findings account for unmapped and invalid keys and
    /// for the values that lost a conflict; every other present key must be visible in the stored rows (each array
    /// element in the stored array, each object key in the stored object, a string or context field non-null).
    /// </summary>
    public static (long Keys, List<string> Lost) Account(SourceUser user, MergeResult expected, StoredProfile? profile, List<StoredIntent>? intents)
    {
        long keys = 0;
        var lost = new List<string>();
        var invalid = expected.Findings.OfType<InvalidValue>().Select(f => (f.ContextType, f.Field)).ToHashSet();
        foreach (var context in user.Contexts)
        {
            if (context.ProfileData is not null)
            {
                keys += AccountBlob(user.UserId, context, invalid, profile, intents?.FirstOrDefault(i => i.ContextType == context.ContextType), lost);
            }
        }

        return (keys, lost);
    }

    /// <summary>
    /// The stored intents by context. Without the unique index (the Schema check names it) a context can have two rows:
    /// each extra row is a difference, not a crash of the whole check; the first is compared.
    /// </summary>
    private static Dictionary<ContextType, StoredIntent> ByContext(Differences differences, string userId, List<StoredIntent> intents)
    {
        var stored = new Dictionary<ContextType, StoredIntent>();
        foreach (var group in intents.GroupBy(i => i.ContextType))
        {
            stored[group.Key] = group.First();
            var count = group.Count();
            if (count > 1)
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{userId}: {count} ContextIntents for {ContextTypes.ToDbName(group.Key)}"));
            }
        }

        return stored;
    }

    private static void CompareProfile(Differences differences, MergedProfile p, StoredProfile profile)
    {
        for (var i = 0; i < FieldCatalog.SharedFields.Count; i++)
        {
            var field = FieldCatalog.SharedFields[i];
            if (FieldCatalog.KindOf(field) == SharedFieldKind.String)
            {
                differences.Text(field, p[field], profile.Shared[i]);
            }
            else
            {
                differences.Json(field, p[field]!, profile.Shared[i] ?? "null");
            }
        }

        differences.Text("completeness", p.Completeness.ToString(CultureInfo.InvariantCulture), profile.Completeness.ToString(CultureInfo.InvariantCulture));
        differences.Text("missing", List(p.Missing), List(profile.Missing));
    }

    /// <summary>A "missing" list as compared and shown; SQL NULL stays null ("NULL"), not an empty list.</summary>
    private static string? List(IReadOnlyList<string>? values) => values is null ? null : string.Join(",", values);

    private static void CompareIntent(Differences differences, MergedIntent intent, StoredIntent row)
    {
        var context = ContextTypes.ToDbName(intent.ContextType);
        differences.Text($"{context}.completeness", intent.Completeness.ToString(CultureInfo.InvariantCulture), row.Completeness.ToString(CultureInfo.InvariantCulture));
        differences.Text($"{context}.missing", List(intent.Missing), List(row.Missing));
        for (var i = 0; i < FieldCatalog.IntentColumns.Count; i++)
        {
            var column = FieldCatalog.IntentColumns[i];
            if (FieldCatalog.IsJsonIntentColumn(column) && intent.Values[i] is { } json && row.Values[i] is { } storedJson)
            {
                differences.Json($"{context}.{column}", json, storedJson);
            }
            else
            {
                differences.Text($"{context}.{column}", intent.Values[i], row.Values[i]);
            }
        }
    }

    /// <summary>One context's blob: its keys, and what of it is neither reported by the merge nor stored. Returns the keys counted.</summary>
    private static long AccountBlob(string userId, SourceContext context, HashSet<(ContextType, string?)> invalid, StoredProfile? profile, StoredIntent? intent, List<string> lost)
    {
        var blob = $"{userId}/{ContextTypes.ToDbName(context.ContextType)}";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(context.ProfileData!, JsonValues.DocumentOptions);
        }
        catch (JsonException)
        {
            // Deeper than the merge reads (or not JSON): the merge reports the whole blob as one invalid value.
            if (!invalid.Contains((context.ContextType, null)))
            {
                lost.Add($"{blob}: a blob the merge cannot read is not reported as invalid");
            }

            return 1;
        }

        using var _ = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Null && !invalid.Contains((context.ContextType, null)))
            {
                lost.Add($"{blob}: a non-object blob is not reported as invalid");
            }

            return 1;
        }

        long keys = 0;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            keys++;
            var key = property.Name;
            if (!JsonValues.IsPresent(property.Value) || invalid.Contains((context.ContextType, key)))
            {
                continue;
            }

            if (FieldCatalog.IsSharedField(key))
            {
                if (!InStoredProfile(key, property.Value, profile))
                {
                    lost.Add($"{blob}.{key} is not in ProfileNew");
                }
            }
            else if (FieldCatalog.FieldsOf(context.ContextType).Contains(key) && intent?.Values[FieldCatalog.IntentColumnIndex(key)] is null)
            {
                lost.Add($"{blob}.{key} is not in its ContextIntent");
            }
        }

        return keys;
    }

    private static bool InStoredProfile(string field, JsonElement value, StoredProfile? profile)
    {
        var stored = profile?.Shared[FieldCatalog.SharedFieldIndex(field)];
        switch (FieldCatalog.KindOf(field))
        {
            case SharedFieldKind.String:
                return stored is not null;
            case SharedFieldKind.Array:
            {
                using var document = JsonDocument.Parse(stored ?? "null", JsonValues.DocumentOptions);
                var elements = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.EnumerateArray().ToList() : [];
                return value.EnumerateArray().All(v => elements.Exists(s => JsonValues.Equal(s, v)));
            }

            default:
            {
                using var document = JsonDocument.Parse(stored ?? "null", JsonValues.DocumentOptions);
                return document.RootElement.ValueKind == JsonValueKind.Object && value.EnumerateObject().All(p => document.RootElement.TryGetProperty(p.Name, out _));
            }
        }
    }

    private static string Short(string text) => text.Length <= 80 ? text : text[..77] + "...";

    /// <summary>One user's differences, each "user.field: expected ..., stored ...".</summary>
    private sealed class Differences(string userId)
    {
        public List<string> List { get; } = [];

        public void Add(string difference) => List.Add(difference);

        public void Json(string field, string want, string have)
        {
            if (!JsonValues.Equal(want, have))
            {
                List.Add($"{userId}.{field}: expected {Short(want)}, stored {Short(have)}");
            }
        }

        public void Text(string field, string? want, string? have)
        {
            if (!string.Equals(want, have, StringComparison.Ordinal))
            {
                List.Add($"{userId}.{field}: expected {Short(want ?? "NULL")}, stored {Short(have ?? "NULL")}");
            }
        }
    }
}
