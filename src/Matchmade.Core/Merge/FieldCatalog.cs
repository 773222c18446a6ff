using System.Security.Cryptography;
using System.Text;

namespace Matchmade.Core.Merge;

/// <summary>The JSON type a shared field must have (RULES.md's table).</summary>
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
    public const string RulesVersion = "slice-1a/rules-v2";

    // The shared fields' names, for the one place each meets its property (MergedProfile).
    public const string CoreValues = "coreValues";
    public const string Constraints = "constraints";
    public const string Beliefs = "beliefs";
    public const string InteractionStyle = "interactionStyle";
    public const string Lifestyle = "lifestyle";
    public const string Location = "location";
    public const string AgeRange = "ageRange";
    public const string Name = "name";

    private static readonly string[] SharedNames = [CoreValues, Constraints, Beliefs, InteractionStyle, Lifestyle, Location, AgeRange, Name];

    private static readonly SharedFieldKind[] SharedKinds =
    [
        SharedFieldKind.Array, SharedFieldKind.Array,
        SharedFieldKind.Object, SharedFieldKind.Object, SharedFieldKind.Object,
        SharedFieldKind.String, SharedFieldKind.String, SharedFieldKind.String,
    ];

    /// <summary>Each context's own fields, by <see cref="ContextType"/>, in target.prisma's order.</summary>
    private static readonly string[][] ContextFields =
    [
        ["relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance"],
        ["friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation"],
        ["partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare"],
        ["creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation"],
        ["serviceType", "budgetRange", "timelineNeeded", "credentialsRequired"],
    ];

    /// <summary>The ContextIntent context columns in migration.sql's order (which is also the contexts' order).</summary>
    private static readonly string[] Columns =
    [
        "relationshipTimeline", "exclusivityExpectation", "familyIntentions", "attractionImportance",
        "friendshipDepth", "groupActivityPreference", "emotionalSupportExpectation",
        "partnershipType", "commitmentHorizon", "complementarySkills", "equityOrRevShare",
        "creativeType", "roleNeeded", "processStyle", "egoBalance", "compensationExpectation",
        "serviceType", "budgetRange", "timelineNeeded", "credentialsRequired",
    ];

    private static readonly Dictionary<string, int> SharedIndex = IndexOf(SharedNames);
    private static readonly Dictionary<string, int> ColumnIndex = IndexOf(Columns);
    private static readonly ContextType[] ColumnOwners = BuildOwners();
    private static readonly int[][] ContextColumnIndexes = BuildContextColumnIndexes();

    /// <summary>The 8 shared fields in RULES.md's order (the order of completeness and missing).</summary>
    public static IReadOnlyList<string> SharedFields { get; } = Array.AsReadOnly(SharedNames);

    /// <summary>The 20 context columns of ContextIntent in migration.sql's order.</summary>
    public static IReadOnlyList<string> IntentColumns { get; } = Array.AsReadOnly(Columns);

    /// <summary>SHA-256 (lowercase hex) of <see cref="RulesVersion"/> and every field list: which rules a report was made with.</summary>
    public static string RulesFingerprint { get; } = Fingerprint();

    /// <summary>The context's own fields in target.prisma's order.</summary>
    public static IReadOnlyList<string> FieldsOf(ContextType type) => ContextFields[CheckedIndex(type)];

    public static bool IsSharedField(string key) => key is not null && SharedIndex.ContainsKey(key);

    public static SharedFieldKind KindOf(string sharedField) =>
        sharedField is not null && SharedIndex.TryGetValue(sharedField, out var i) ? SharedKinds[i] : throw new ArgumentException($"'{sharedField}' is not a shared field.", nameof(sharedField));

    /// <summary>Index of a shared field in <see cref="SharedFields"/>, or -1.</summary>
    public static int SharedFieldIndex(string key) => key is not null && SharedIndex.TryGetValue(key, out var i) ? i : -1;

    /// <summary>Index of a column in <see cref="IntentColumns"/>, or -1.</summary>
    public static int IntentColumnIndex(string column) => column is not null && ColumnIndex.TryGetValue(column, out var i) ? i : -1;

    /// <summary>The context whose field a ContextIntent column is.</summary>
    public static ContextType OwnerOf(string column) =>
        IntentColumnIndex(column) is var i and >= 0 ? ColumnOwners[i] : throw new ArgumentException($"'{column}' is not a ContextIntent column.", nameof(column));

    /// <summary>complementarySkills takes any present JSON value (a JSONB column); every other context field is a string (TEXT).</summary>
    public static bool IsJsonIntentColumn(string column) => string.Equals(column, "complementarySkills", StringComparison.Ordinal);

    internal static SharedFieldKind KindAt(int sharedIndex) => SharedKinds[sharedIndex];

    internal static ContextType OwnerAt(int columnIndex) => ColumnOwners[columnIndex];

    /// <summary>The <see cref="IntentColumns"/> indexes of the context's own fields, in <see cref="FieldsOf"/> order.</summary>
    internal static int[] ColumnIndexesOf(ContextType type) => ContextColumnIndexes[CheckedIndex(type)];

    private static int CheckedIndex(ContextType type) =>
        (uint)type < (uint)ContextFields.Length ? (int)type : throw new ArgumentOutOfRangeException(nameof(type), type, "not a RelationshipContextType");

    private static Dictionary<string, int> IndexOf(string[] names)
    {
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            index.Add(names[i], i);
        }

        return index;
    }

    private static ContextType[] BuildOwners()
    {
        var owners = new ContextType[Columns.Length];
        var assigned = 0;
        for (var t = 0; t < ContextFields.Length; t++)
        {
            foreach (var field in ContextFields[t])
            {
                owners[ColumnIndex[field]] = (ContextType)t;
                assigned++;
            }
        }

        return assigned == Columns.Length ? owners : throw new InvalidOperationException("Every ContextIntent column must belong to exactly one context.");
    }

    private static int[][] BuildContextColumnIndexes()
    {
        var result = new int[ContextFields.Length][];
        for (var t = 0; t < ContextFields.Length; t++)
        {
            result[t] = new int[ContextFields[t].Length];
            for (var f = 0; f < ContextFields[t].Length; f++)
            {
                result[t][f] = ColumnIndex[ContextFields[t][f]];
            }
        }

        return result;
    }

    private static string Fingerprint()
    {
        var canonical = new StringBuilder(RulesVersion).Append('\n');
        for (var i = 0; i < SharedNames.Length; i++)
        {
            canonical.Append(SharedNames[i]).Append(':').Append(SharedKinds[i].ToString().ToLowerInvariant()).Append('\n');
        }

        for (var t = 0; t < ContextFields.Length; t++)
        {
            canonical.Append(ContextTypes.ToDbName((ContextType)t)).Append('=').AppendJoin(',', ContextFields[t]).Append('\n');
        }

        canonical.Append("columns=").AppendJoin(',', Columns).Append('\n');
        canonical.Append("json=complementarySkills\n");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))).ToLowerInvariant();
    }
}
