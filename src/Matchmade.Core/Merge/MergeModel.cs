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

/// <summary>A present value that took part in a conflict, with the context it came from. Value is JSON text.</summary>
public sealed record Candidate(ContextType ContextType, string Value);

/// <summary>Different present values for one shared field (or one key of an object field, e.g. "beliefs.religion").</summary>
public sealed record Conflict(string UserId, string Field, IReadOnlyList<Candidate> Candidates, string Chosen) : Finding(UserId);

/// <summary>A key of a blob that is neither a shared field nor a field of the blob's own context. Value is JSON text.</summary>
public sealed record UnmappedField(string UserId, ContextType ContextType, string Key, string Value) : Finding(UserId);

/// <summary>A mapped key with the wrong JSON type, or (Field null) a blob that is not a JSON object. Value is JSON text.</summary>
public sealed record InvalidValue(string UserId, ContextType ContextType, string? Field, string Value, string Reason) : Finding(UserId);

public sealed class MergeResult
{
    public required MergedProfile Profile { get; init; }

    /// <summary>One per ContextProfile, in context order.</summary>
    public required IReadOnlyList<MergedIntent> Intents { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }
}
