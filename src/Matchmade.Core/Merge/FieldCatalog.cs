using System.Security.Cryptography;
using System.Text;

namespace Matchmade.Core.Merge;

public enum SharedFieldKind
{
    Array,
    Object,
    String,
}

/// <summary>
/// The one place that knows the field lists: the shared fields (RULES.md's table order, which is also the order of
/// completeness and missing), each context's own fields (target.prisma's order), and the ContextIntent columns
/// (migration.sql's order). Everything else (merge, writer, schema check, verification) reads them from here.
/// </summary>
public static class FieldCatalog
{
    /// <summary>Bump when a merge rule changes: it is part of <see cref="RulesFingerprint"/>.</summary>
    public const string RulesVersion = "slice-1a/rules-v1";

    private static readonly (string Name, SharedFieldKind Kind)[] Shared =
    [
        ("coreValues", SharedFieldKind.Array),
        ("constraints", SharedFieldKind.Array),
        ("beliefs", SharedFieldKind.Object),
        ("interactionStyle", SharedFieldKind.Object),
        ("lifestyle", SharedFieldKind.Object),
        ("location", SharedFieldKind.String),
        ("ageRange", SharedFieldKind.String),
        ("name", SharedFieldKind.String),
    ];

    private static readonly string[][] ContextFields =
    [
        ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"],
        ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"],
        ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"],
        ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"],
        ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"],
    ];

    private static readonly Dictionary<string, int> SharedIndex = Shared.Select((f, i) => (f.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
    private static readonly Dictionary<string, int> IntentIndex;

    static FieldCatalog()
    {
        IntentColumns = [.. ContextFields.SelectMany(f => f)];
        IntentIndex = IntentColumns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
        var canonical = new StringBuilder(RulesVersion).Append('\n');
        foreach (var (name, kind) in Shared)
        {
            canonical.Append(name).Append(':').Append(kind).Append('\n');
        }

        foreach (var type in ContextTypes.All)
        {
            canonical.Append(ContextTypes.ToDbName(type)).Append('=').AppendJoin(',', FieldsOf(type)).Append('\n');
        }

        RulesFingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))).ToLowerInvariant();
    }

    /// <summary>The 8 shared fields in RULES.md's order.</summary>
    public static IReadOnlyList<string> SharedFields { get; } = [.. Shared.Select(f => f.Name)];

    /// <summary>The 19 context columns of ContextIntent in migration.sql's order.</summary>
    public static IReadOnlyList<string> IntentColumns { get; }

    public static string RulesFingerprint { get; }

    public static IReadOnlyList<string> FieldsOf(ContextType type) => ContextFields[(int)type];

    public static bool IsSharedField(string key) => SharedIndex.ContainsKey(key);

    public static SharedFieldKind KindOf(string sharedField) =>
        SharedIndex.TryGetValue(sharedField, out var i) ? Shared[i].Kind : throw new ArgumentException($"{sharedField} is not a shared field.", nameof(sharedField));

    /// <summary>Index of a shared field in <see cref="SharedFields"/>, or -1.</summary>
    public static int SharedFieldIndex(string key) => SharedIndex.TryGetValue(key, out var i) ? i : -1;

    /// <summary>Index of a column in <see cref="IntentColumns"/>, or -1.</summary>
    public static int IntentColumnIndex(string column) => IntentIndex.TryGetValue(column, out var i) ? i : -1;

    /// <summary>complementarySkills takes any present JSON value; every other context field is a string.</summary>
    public static bool IsJsonIntentColumn(string column) => string.Equals(column, "complementarySkills", StringComparison.Ordinal);
}
