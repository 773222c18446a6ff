using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Merge;

/// <summary>
/// RULES.md as one pure function: a user's old contexts in, the user's ProfileNew row, ContextIntent rows and
/// findings out. No database, no clock, no randomness: the same input always gives the same output. Thread-safe
/// (each thread keeps its own scratch buffers). The decisions where RULES.md is silent: docs/merge-decisions.md.
/// </summary>
public static class ProfileMerger
{
    private const int SharedCount = 8;

    /// <summary>Every key the merge maps: shared field i -> i; ContextIntent column c -> SharedCount + c.</summary>
    private static readonly Dictionary<string, int> KeyCodes = BuildKeyCodes();

    private static readonly int JsonColumn = FieldCatalog.IntentColumnIndex("complementarySkills");

    /// <summary>ProfileNew.missing for each bit mask of absent shared fields (bit i = SharedFields[i]); shared, never mutated.</summary>
    private static readonly string[][] ProfileMissing = BuildMissing(FieldCatalog.SharedFields);

    /// <summary>ContextIntent.missing per context for each bit mask of absent fields (bit i = FieldsOf(type)[i]).</summary>
    private static readonly string[][][] IntentMissing = BuildIntentMissing();

    private static readonly IComparer<SourceContext> ContextComparer = Comparer<SourceContext>.Create(CompareContexts);

    [ThreadStatic]
    private static Scratch? cachedScratch;

    /// <summary>Merges one user (any context order; the merge orders them). Never throws for any blob content.</summary>
    public static MergeResult Merge(SourceUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(user.Contexts);
        var scratch = cachedScratch ?? new Scratch();
        cachedScratch = null; // taken: a nested call (there is none) would make its own
        try
        {
            try
            {
                return Run(user, scratch, strict: false);
            }
            catch (InvalidOperationException)
            {
                // A string escaping a lone surrogate ("\ud800") parses but cannot be read (jsonb refuses such text, so
                // only hand-made input gets here). Redo the user checking every blob's strings first.
                scratch.Clear();
                return Run(user, scratch, strict: true);
            }
        }
        finally
        {
            scratch.Clear();
            cachedScratch = scratch;
        }
    }

    /// <summary>RULES.md: createdAt ascending, then the enum's order, then id (ordinal).</summary>
    public static int CompareContexts(SourceContext? a, SourceContext? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }

        var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byType = a.ContextType.CompareTo(b.ContextType);
        return byType != 0 ? byType : string.CompareOrdinal(a.ContextProfileId, b.ContextProfileId);
    }

    /// <summary>floor(100 * present / total), 0 when there is nothing to count.</summary>
    internal static int Completeness(int present, int total) => total <= 0 ? 0 : 100 * present / total;

    private static MergeResult Run(SourceUser user, Scratch scratch, bool strict)
    {
        var userId = user.UserId;
        var count = user.Contexts.Count;
        var contexts = scratch.ContextBuffer(count);
        for (var i = 0; i < count; i++)
        {
            contexts[i] = user.Contexts[i] ?? throw new ArgumentException($"Context {i} of user {userId} is null.", nameof(user));
        }

        Sort(contexts, count);
        List<Finding>? findings = null;
        var intents = new MergedIntent[count];
        for (var i = 0; i < count; i++)
        {
            var context = contexts[i];
            var values = new string?[FieldCatalog.IntentColumns.Count];
            if (TryParseBlob(userId, context, scratch, strict, ref findings, out var blob))
            {
                RouteBlob(userId, context.ContextType, blob, values, scratch, ref findings);
            }

            intents[i] = BuildIntent(context, values);
        }

        var profile = BuildProfile(userId, scratch, ref findings);
        return new MergeResult { Profile = profile, Intents = intents, Findings = findings ?? (IReadOnlyList<Finding>)Array.Empty<Finding>() };
    }

    private static void Sort(SourceContext[] contexts, int count)
    {
        if (count > 16)
        {
            Array.Sort(contexts, 0, count, ContextComparer);
            return;
        }

        for (var i = 1; i < count; i++)
        {
            var item = contexts[i];
            var j = i - 1;
            while (j >= 0 && CompareContexts(contexts[j], item) > 0)
            {
                contexts[j + 1] = contexts[j];
                j--;
            }

            contexts[j + 1] = item;
        }
    }

    /// <summary>The blob as an object to route, or false: no Profile row, JSON null (both an empty object), or reported as invalid.</summary>
    private static bool TryParseBlob(string userId, SourceContext context, Scratch scratch, bool strict, ref List<Finding>? findings, out JsonElement blob)
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
            var reason = JsonValues.NestingDepth(text) > JsonValues.MaxBlobDepth ? $"nested deeper than {JsonValues.MaxBlobDepth}" : "not valid JSON";
            Add(ref findings, new InvalidValue(userId, context.ContextType, null, JsonValues.Quote(text), reason));
            return false;
        }

        scratch.Documents.Add(document);
        var root = document.RootElement;
        if (strict && !JsonValues.HasOnlyValidStrings(text))
        {
            Add(ref findings, new InvalidValue(userId, context.ContextType, null, root.GetRawText(), "a string or key escapes an unpaired surrogate (not valid Unicode); nothing of it was migrated"));
            return false;
        }

        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                blob = root;
                return true;
            case JsonValueKind.Null:
                return false; // a JSON-null blob counts as an empty object
            default:
                Add(ref findings, new InvalidValue(userId, context.ContextType, null, root.GetRawText(), $"the blob is a JSON {JsonValues.Kind(root)}, not an object; nothing of it was migrated"));
                return false;
        }
    }

    /// <summary>Sends each key of a blob to exactly one place: a shared field, the context's own column, unmapped, or invalid.</summary>
    private static void RouteBlob(string userId, ContextType type, JsonElement blob, string?[] values, Scratch scratch, ref List<Finding>? findings)
    {
        var seen = 0; // bit per key code: a key repeated in one blob (impossible in jsonb) is migrated once
        foreach (var property in blob.EnumerateObject())
        {
            var key = property.Name;
            var value = property.Value;
            if (!KeyCodes.TryGetValue(key, out var code) || (code >= SharedCount && FieldCatalog.OwnerAt(code - SharedCount) != type))
            {
                Add(ref findings, new UnmappedField(userId, type, key, value.GetRawText()));
                continue;
            }

            var bit = 1 << code;
            if ((seen & bit) != 0)
            {
                Add(ref findings, new InvalidValue(userId, type, key, value.GetRawText(), "duplicate key: only its first occurrence was migrated"));
                continue;
            }

            seen |= bit;
            var reason = code < SharedCount
                ? RouteShared(code, type, value, scratch)
                : RouteColumn(code - SharedCount, value, values);
            if (reason is not null)
            {
                Add(ref findings, new InvalidValue(userId, type, key, value.GetRawText(), reason));
            }
        }
    }

    /// <summary>Collects a present shared value of the right type. Returns the reason when the type is wrong, else null.</summary>
    private static string? RouteShared(int field, ContextType type, JsonElement value, Scratch scratch)
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

                if (kind == SharedFieldKind.String)
                {
                    scratch.Shared[field].Add(new SharedValue(type, value, text));
                    return null;
                }

                break;
            case JsonValueKind.Array:
                if (value.GetArrayLength() == 0)
                {
                    return null;
                }

                if (kind == SharedFieldKind.Array)
                {
                    scratch.Shared[field].Add(new SharedValue(type, value, null));
                    return null;
                }

                break;
            case JsonValueKind.Object:
                if (!JsonValues.HasAnyProperty(value))
                {
                    return null;
                }

                if (kind == SharedFieldKind.Object)
                {
                    scratch.Shared[field].Add(new SharedValue(type, value, null));
                    return null;
                }

                break;
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

    private static MergedIntent BuildIntent(SourceContext context, string?[] values)
    {
        var columns = FieldCatalog.ColumnIndexesOf(context.ContextType);
        var missing = 0;
        var present = 0;
        for (var f = 0; f < columns.Length; f++)
        {
            if (values[columns[f]] is null)
            {
                missing |= 1 << f;
            }
            else
            {
                present++;
            }
        }

        return new MergedIntent
        {
            ContextProfileId = context.ContextProfileId,
            ContextType = context.ContextType,
            Values = values,
            Completeness = Completeness(present, columns.Length),
            Missing = IntentMissing[(int)context.ContextType][missing],
        };
    }

    private static MergedProfile BuildProfile(string userId, Scratch scratch, ref List<Finding>? findings)
    {
        // Every collected candidate is present, so a field is present exactly when it has a candidate.
        var json = new string?[SharedCount];
        var text = new string?[SharedCount];
        var missing = 0;
        var present = 0;
        for (var i = 0; i < SharedCount; i++)
        {
            var candidates = scratch.Shared[i];
            if (candidates.Count == 0)
            {
                missing |= 1 << i;
                continue;
            }

            present++;
            switch (FieldCatalog.KindAt(i))
            {
                case SharedFieldKind.Array:
                    json[i] = MergeArrays(candidates, scratch);
                    break;
                case SharedFieldKind.Object:
                    json[i] = MergeObjects(userId, FieldCatalog.SharedFields[i], candidates, scratch, ref findings);
                    break;
                default:
                    text[i] = FirstString(userId, FieldCatalog.SharedFields[i], candidates, ref findings);
                    break;
            }
        }

        return new MergedProfile
        {
            UserId = userId,
            CoreValues = json[0] ?? "[]",
            Constraints = json[1] ?? "[]",
            Beliefs = json[2] ?? "{}",
            InteractionStyle = json[3] ?? "{}",
            Lifestyle = json[4] ?? "{}",
            Location = text[5],
            AgeRange = text[6],
            Name = text[7],
            Completeness = Completeness(present, SharedCount),
            Missing = ProfileMissing[missing],
        };
    }

    /// <summary>Concatenates the arrays in context order, dropping every element JSON-equal to an earlier one.</summary>
    private static string MergeArrays(List<SharedValue> arrays, Scratch scratch)
    {
        var heads = scratch.HashHeads;
        var kept = scratch.Kept;
        var next = scratch.Next;
        var builder = scratch.Builder.Clear().Append('[');
        foreach (var candidate in arrays)
        {
            foreach (var item in candidate.Value.EnumerateArray())
            {
                var hash = JsonValues.Hash(item);
                ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(heads, hash, out var exists);
                if (exists)
                {
                    var duplicate = false;
                    for (var j = head; j >= 0; j = next[j])
                    {
                        if (JsonValues.Equal(kept[j], item))
                        {
                            duplicate = true;
                            break;
                        }
                    }

                    if (duplicate)
                    {
                        continue;
                    }
                }

                next.Add(exists ? head : -1);
                head = kept.Count;
                if (kept.Count > 0)
                {
                    builder.Append(',');
                }

                kept.Add(item);
                builder.Append(item.GetRawText());
            }
        }

        heads.Clear();
        kept.Clear();
        next.Clear();
        return builder.Append(']').ToString();
    }

    /// <summary>
    /// Shallow merge in context order: per key only present values compete and the last present one wins; an absent
    /// value never overrides a present one; a key with only absent values keeps the last of them. Present values
    /// that are not all equal make one conflict per key. Keys in order of first appearance.
    /// </summary>
    private static string MergeObjects(string userId, string field, List<SharedValue> objects, Scratch scratch, ref List<Finding>? findings)
    {
        var index = scratch.KeyIndex;
        var states = scratch.KeyStates;
        foreach (var candidate in objects)
        {
            foreach (var property in candidate.Value.EnumerateObject())
            {
                var name = property.Name;
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(index, name, out var exists);
                if (!exists)
                {
                    slot = states.Count;
                    states.Add(new KeyState { Key = name, Winner = property.Value });
                }

                ref var state = ref CollectionsMarshal.AsSpan(states)[slot];
                var value = property.Value;
                if (JsonValues.IsPresent(value))
                {
                    if (state.PresentCount == 0)
                    {
                        state.First = value;
                    }
                    else if (!state.Differs && !JsonValues.Equal(state.First, value))
                    {
                        state.Differs = true;
                    }

                    state.PresentCount++;
                    state.Winner = value;
                }
                else if (state.PresentCount == 0)
                {
                    state.Winner = value;
                }
            }
        }

        var builder = scratch.Builder.Clear().Append('{');
        for (var k = 0; k < states.Count; k++)
        {
            var state = states[k];
            if (k > 0)
            {
                builder.Append(',');
            }

            JsonValues.AppendQuoted(builder, state.Key).Append(':').Append(state.Winner.GetRawText());
            if (state.Differs)
            {
                Add(ref findings, new Conflict(userId, field + "." + state.Key, KeyCandidates(objects, state.Key), state.Winner.GetRawText()));
            }
        }

        index.Clear();
        states.Clear();
        return builder.Append('}').ToString();
    }

    /// <summary>Every present value of one key across the objects, in context order (only for conflicts).</summary>
    private static Candidate[] KeyCandidates(List<SharedValue> objects, string key)
    {
        var result = new List<Candidate>();
        foreach (var candidate in objects)
        {
            foreach (var property in candidate.Value.EnumerateObject())
            {
                if (property.NameEquals(key) && JsonValues.IsPresent(property.Value))
                {
                    result.Add(new Candidate(candidate.Type, property.Value.GetRawText()));
                }
            }
        }

        return [.. result];
    }

    /// <summary>First present value wins, exactly as stored; any different present value makes a conflict.</summary>
    private static string FirstString(string userId, string field, List<SharedValue> values, ref List<Finding>? findings)
    {
        var first = values[0].Text!;
        for (var i = 1; i < values.Count; i++)
        {
            if (string.Equals(values[i].Text, first, StringComparison.Ordinal))
            {
                continue;
            }

            var candidates = new Candidate[values.Count];
            for (var c = 0; c < values.Count; c++)
            {
                candidates[c] = new Candidate(values[c].Type, values[c].Value.GetRawText());
            }

            Add(ref findings, new Conflict(userId, field, candidates, values[0].Value.GetRawText()));
            break;
        }

        return first;
    }

    private static void Add(ref List<Finding>? findings, Finding finding) => (findings ??= []).Add(finding);

    private static string KindName(SharedFieldKind kind) => kind switch
    {
        SharedFieldKind.Array => "array",
        SharedFieldKind.Object => "object",
        _ => "string",
    };

    private static Dictionary<string, int> BuildKeyCodes()
    {
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < FieldCatalog.SharedFields.Count; i++)
        {
            codes.Add(FieldCatalog.SharedFields[i], i);
        }

        for (var c = 0; c < FieldCatalog.IntentColumns.Count; c++)
        {
            codes.Add(FieldCatalog.IntentColumns[c], SharedCount + c);
        }

        return SharedCount == FieldCatalog.SharedFields.Count && codes.Count <= 32 ? codes : throw new InvalidOperationException("The key codes must fit a 32-bit mask.");
    }

    private static string[][] BuildMissing(IReadOnlyList<string> fields)
    {
        var result = new string[1 << fields.Count][];
        var names = new List<string>(fields.Count);
        for (var mask = 0; mask < result.Length; mask++)
        {
            names.Clear();
            for (var f = 0; f < fields.Count; f++)
            {
                if ((mask & (1 << f)) != 0)
                {
                    names.Add(fields[f]);
                }
            }

            result[mask] = [.. names];
        }

        return result;
    }

    private static string[][][] BuildIntentMissing()
    {
        var result = new string[ContextTypes.All.Count][][];
        foreach (var type in ContextTypes.All)
        {
            result[(int)type] = BuildMissing(FieldCatalog.FieldsOf(type));
        }

        return result;
    }

    /// <summary>A present, correctly typed shared value from one context; Text is the string for string fields.</summary>
    private readonly record struct SharedValue(ContextType Type, JsonElement Value, string? Text);

    private struct KeyState
    {
        public string Key;
        public JsonElement First;
        public JsonElement Winner;
        public int PresentCount;
        public bool Differs;
    }

    /// <summary>Per-thread buffers reused from user to user (cleared after each, documents disposed).</summary>
    private sealed class Scratch
    {
        private const int KeepCapacity = 4096;

        private SourceContext[] contexts = new SourceContext[8];

        public List<JsonDocument> Documents { get; } = [];

        public List<SharedValue>[] Shared { get; } = [[], [], [], [], [], [], [], []];

        public Dictionary<int, int> HashHeads { get; private set; } = [];

        public List<JsonElement> Kept { get; } = [];

        public List<int> Next { get; } = [];

        public Dictionary<string, int> KeyIndex { get; private set; } = new(StringComparer.Ordinal);

        public List<KeyState> KeyStates { get; } = [];

        public StringBuilder Builder { get; private set; } = new(1024);

        public SourceContext[] ContextBuffer(int count)
        {
            if (contexts.Length < count)
            {
                contexts = new SourceContext[count];
            }

            return contexts;
        }

        public void Clear()
        {
            foreach (var document in Documents)
            {
                document.Dispose();
            }

            Documents.Clear();
            foreach (var list in Shared)
            {
                list.Clear();
            }

            Array.Clear(contexts);
            Kept.Clear();
            Next.Clear();
            KeyStates.Clear();

            // Do not keep what one huge user made grow: clearing a big dictionary costs its capacity every time.
            if (Kept.Capacity > KeepCapacity)
            {
                HashHeads = [];
                Kept.Capacity = 0;
                Next.Capacity = 0;
            }
            else
            {
                HashHeads.Clear();
            }

            if (KeyStates.Capacity > KeepCapacity)
            {
                KeyIndex = new(StringComparer.Ordinal);
                KeyStates.Capacity = 0;
            }
            else
            {
                KeyIndex.Clear();
            }

            if (Builder.Capacity > 1 << 20)
            {
                Builder = new StringBuilder(1024);
            }
        }
    }
}
