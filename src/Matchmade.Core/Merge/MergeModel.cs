using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Matchmade.Core.Merge;

/// <summary>One ContextProfile as read: its Profile.data as JSON text, or null when it has no Profile row.</summary>
public sealed record SourceContext(string ContextProfileId, ContextType ContextType, DateTime CreatedAt, string? ProfileData);

/// <summary>One User with all of its ContextProfiles (any order; the merge orders them).</summary>
public sealed record SourceUser(string UserId, IReadOnlyList<SourceContext> Contexts);

/// <summary>The user's one ProfileNew row, ids and timestamps aside.</summary>
public sealed class MergedProfile
{
    public required string UserId { get; init; }

    /// <summary>JSON text; "[]" when absent.</summary>
    public required string CoreValues { get; init; }

    /// <summary>JSON text; "[]" when absent.</summary>
    public required string Constraints { get; init; }

    /// <summary>JSON text; "{}" when absent.</summary>
    public required string Beliefs { get; init; }

    /// <summary>JSON text; "{}" when absent.</summary>
    public required string InteractionStyle { get; init; }

    /// <summary>JSON text; "{}" when absent.</summary>
    public required string Lifestyle { get; init; }

    public string? Location { get; init; }
    public string? AgeRange { get; init; }
    public string? Name { get; init; }
    /// <summary>floor(100 * present / 8), 0..100.</summary>
    public required int Completeness { get; init; }

    /// <summary>The absent shared fields in <see cref="FieldCatalog.SharedFields"/> order (a shared, read-only instance).</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    /// <summary>
    /// A shared field's value by its name in <see cref="FieldCatalog.SharedFields"/>: JSON text for arrays and
    /// objects, the text (or null) for strings. The one place a shared field's name meets its property.
    /// </summary>
    public string? this[string field] => field switch
    {
        FieldCatalog.CoreValues => CoreValues,
        FieldCatalog.Constraints => Constraints,
        FieldCatalog.Beliefs => Beliefs,
        FieldCatalog.InteractionStyle => InteractionStyle,
        FieldCatalog.Lifestyle => Lifestyle,
        FieldCatalog.Location => Location,
        FieldCatalog.AgeRange => AgeRange,
        FieldCatalog.Name => Name,
        _ => throw new ArgumentException($"{field} is not a shared field.", nameof(field)),
    };

    /// <summary>
    /// The row from the shared fields' values aligned with <see cref="FieldCatalog.SharedFields"/> (the merge's
    /// order); the array and object fields must not be null.
    /// </summary>
    internal static MergedProfile FromShared(string userId, string?[] values, int completeness, IReadOnlyList<string> missing)
    {
        string? Value(string field) => values[FieldCatalog.SharedFieldIndex(field)];
        string Json(string field) => Value(field) ?? throw new ArgumentException($"{field} has no value.", nameof(values));
        return new MergedProfile
        {
            UserId = userId,
            CoreValues = Json(FieldCatalog.CoreValues),
            Constraints = Json(FieldCatalog.Constraints),
            Beliefs = Json(FieldCatalog.Beliefs),
            InteractionStyle = Json(FieldCatalog.InteractionStyle),
            Lifestyle = Json(FieldCatalog.Lifestyle),
            Location = Value(FieldCatalog.Location),
            AgeRange = Value(FieldCatalog.AgeRange),
            Name = Value(FieldCatalog.Name),
            Completeness = completeness,
            Missing = missing,
        };
    }
}

/// <summary>One ContextIntent row, ids and timestamps aside.</summary>
public sealed class MergedIntent
{
    public required string ContextProfileId { get; init; }
    public required ContextType ContextType { get; init; }

    /// <summary>
    /// Aligned with <see cref="FieldCatalog.IntentColumns"/>: the text of string columns, JSON text for
    /// complementarySkills, null for SQL NULL (always for the columns of other contexts).
    /// </summary>
    public required IReadOnlyList<string?> Values { get; init; }

    /// <summary>floor(100 * present / number of the context's own fields), 0..100.</summary>
    public required int Completeness { get; init; }

    /// <summary>The context's absent fields in <see cref="FieldCatalog.FieldsOf"/> order (a shared, read-only instance).</summary>
    public required IReadOnlyList<string> Missing { get; init; }

    public string? this[string column] =>
        FieldCatalog.IntentColumnIndex(column) is var i and >= 0 ? Values[i] : throw new ArgumentException($"{column} is not a ContextIntent column.", nameof(column));
}

/// <summary>Something the report must say about a user's data.</summary>
public abstract record Finding(string UserId);

/// <summary>
/// A present value that took part in a conflict, with the context it came from. Value is JSON text. The merge gives
/// the value as the parsed blob's UTF-8 bytes (<see cref="Utf8Json"/>), which the report writes as they are; the text
/// is made only when asked for.
/// </summary>
public sealed record Candidate
{
    private readonly byte[]? utf8;
    private string? text;

    public Candidate(ContextType contextType, string value)
    {
        ContextType = contextType;
        text = value;
    }

    internal Candidate(ContextType contextType, JsonElement value)
    {
        ContextType = contextType;
        utf8 = FindingValues.Utf8Of(value);
    }

    public ContextType ContextType { get; init; }

    public string Value
    {
        get => text ??= Encoding.UTF8.GetString(utf8!);
        init => (text, utf8) = (value, null);
    }

    /// <summary>The value's UTF-8 bytes when they are known to be one JSON value (from a parsed blob), else null.</summary>
    internal byte[]? Utf8Json => utf8;

    public void Deconstruct(out ContextType contextType, out string value) => (contextType, value) = (ContextType, Value);

    public bool Equals(Candidate? other) => other is not null && ContextType == other.ContextType && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(ContextType, Value);
}

/// <summary>
/// Different present values for one shared field (or one key of an object field, e.g. "beliefs.religion"). The merge's
/// chosen value is one of the candidates (<see cref="ChosenCandidate"/>), written from its bytes.
/// </summary>
public sealed record Conflict : Finding
{
    private string? chosen;

    public Conflict(string userId, string field, IReadOnlyList<Candidate> candidates, string chosen)
        : base(userId)
    {
        Field = field;
        Candidates = candidates;
        this.chosen = chosen;
    }

    /// <summary>The merge's conflict: the chosen value is candidate <paramref name="chosenCandidate"/>'s.</summary>
    internal Conflict(string userId, string field, Candidate[] candidates, int chosenCandidate)
        : base(userId)
    {
        Field = field;
        Candidates = candidates;
        ChosenCandidate = candidates[chosenCandidate];
    }

    public string Field { get; init; }

    public IReadOnlyList<Candidate> Candidates { get; init; }

    public string Chosen
    {
        get => chosen ??= ChosenCandidate!.Value;
        init => (chosen, ChosenCandidate) = (value, null);
    }

    /// <summary>The candidate whose value was chosen, when the merge said so (else null: <see cref="Chosen"/> is the text).</summary>
    internal Candidate? ChosenCandidate { get; private init; }

    public void Deconstruct(out string userId, out string field, out IReadOnlyList<Candidate> candidates, out string chosen) =>
        (userId, field, candidates, chosen) = (UserId, Field, Candidates, Chosen);

    public bool Equals(Conflict? other) => other is not null && base.Equals(other) && string.Equals(Field, other.Field, StringComparison.Ordinal)
        && Candidates.SequenceEqual(other.Candidates) && string.Equals(Chosen, other.Chosen, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Field, Chosen);
}

/// <summary>
/// A key of a blob that is neither a shared field nor a field of the blob's own context. Value is JSON text (from the
/// merge: the blob's UTF-8 bytes, as <see cref="Candidate"/>'s).
/// </summary>
public sealed record UnmappedField : Finding
{
    private readonly byte[]? utf8;
    private string? text;

    public UnmappedField(string userId, ContextType contextType, string key, string value)
        : base(userId)
    {
        (ContextType, Key, text) = (contextType, key, value);
    }

    internal UnmappedField(string userId, ContextType contextType, string key, JsonElement value)
        : base(userId)
    {
        (ContextType, Key, utf8) = (contextType, key, FindingValues.Utf8Of(value));
    }

    public ContextType ContextType { get; init; }

    public string Key { get; init; }

    public string Value
    {
        get => text ??= Encoding.UTF8.GetString(utf8!);
        init => (text, utf8) = (value, null);
    }

    /// <summary>The value's UTF-8 bytes when they are known to be one JSON value (from a parsed blob), else null.</summary>
    internal byte[]? Utf8Json => utf8;

    public void Deconstruct(out string userId, out ContextType contextType, out string key, out string value) =>
        (userId, contextType, key, value) = (UserId, ContextType, Key, Value);

    public bool Equals(UnmappedField? other) => other is not null && base.Equals(other) && ContextType == other.ContextType
        && string.Equals(Key, other.Key, StringComparison.Ordinal) && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), ContextType, Key, Value);
}

/// <summary>A mapped key with the wrong JSON type, or (Field null) a blob that is not a JSON object. Value is JSON text.</summary>
public sealed record InvalidValue(string UserId, ContextType ContextType, string? Field, string Value, string Reason) : Finding(UserId);

public sealed class MergeResult
{
    public required MergedProfile Profile { get; init; }

    /// <summary>One per ContextProfile, in context order.</summary>
    public required IReadOnlyList<MergedIntent> Intents { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }
}

/// <summary>Finding values as the merge keeps them.</summary>
internal static class FindingValues
{
    /// <summary>
    /// The value's JSON text as the parsed blob has it, in UTF-8 (what <see cref="JsonElement.GetRawText"/> gives as a
    /// string): one valid JSON value, no deeper than the blob's parse allowed, so the report writes it unchecked.
    /// </summary>
    public static byte[] Utf8Of(JsonElement value) => JsonMarshal.GetRawUtf8Value(value).ToArray();
}
