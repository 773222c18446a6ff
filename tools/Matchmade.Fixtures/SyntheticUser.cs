
namespace Matchmade.Fixtures;

public sealed record SyntheticOptions
{
    /// <summary>
    /// Share of users that get an edge case (one of <see cref="EdgeCase"/>, at random). With 200 users or more and a
    /// rate above 0, users 1, 4, 7, ... also get each kind once, so every kind is there; 0 gives clean data only.
    /// </summary>
    public double EdgeCaseRate { get; init; } = 0.05;

    /// <summary>ChatMessages per ContextProfile, at most, for the users that have any (a quarter of them).</summary>
    public int MaxChatMessages { get; init; } = 3;

    /// <summary>What the blobs look like (<see cref="DataShape"/>); the default is the data every older figure was measured on.</summary>
    public DataShape Shape { get; init; } = DataShape.Synthetic;
}

/// <summary>One ContextProfile of a sample user, with its Profile row (if it has one).</summary>
public sealed class SyntheticContext
{
    private readonly UserPlan? plan;
    private readonly int position;
    private readonly string? fixedProfile;

    internal SyntheticContext(string id, string contextType, DateTime createdAt, DateTime updatedAt, string? profileId, DateTime profileCreatedAt, DateTime profileUpdatedAt, UserPlan? plan, int position, string? fixedProfile)
    {
        Id = id;
        ContextType = contextType;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        ProfileId = profileId;
        ProfileCreatedAt = profileCreatedAt;
        ProfileUpdatedAt = profileUpdatedAt;
        this.plan = plan;
        this.position = position;
        this.fixedProfile = fixedProfile;
    }

    public string Id { get; }

    /// <summary>A RelationshipContextType label: romantic, friendship, professional, creative or service.</summary>
    public string ContextType { get; }

    public DateTime CreatedAt { get; }

    public DateTime UpdatedAt { get; }

    /// <summary>The id of its Profile row; null when the ContextProfile has no Profile row.</summary>
    public string? ProfileId { get; }

    public bool HasProfile => ProfileId is not null;

    public DateTime ProfileCreatedAt { get; }

    public DateTime ProfileUpdatedAt { get; }

    /// <summary>Profile.data as JSON text (made on each call, deterministically); null when there is no Profile row.</summary>
    public string? Profile() => ProfileId is null ? null : fixedProfile ?? plan!.Blob(position, ContextType);

    /// <summary>Made by the generator (its id has the generator's layout), not read from qa-users.json.</summary>
    internal bool Generated => plan is not null;
}

/// <summary>A sample user: the User row, its ContextProfiles (in order of creation) and how many ChatMessages each has.</summary>
public sealed record SyntheticUser(int Index, string Id, string Email, DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyList<SyntheticContext> Contexts, int ChatMessagesPerContext, EdgeCase? EdgeCase);

public sealed record SampleLoadResult(long Users, long ContextProfiles, long Profiles, long ChatMessages, TimeSpan Elapsed);

/// <summary>The edge cases of RULES.md; the generator puts each in at least once when it makes 200 users or more.</summary>
public enum EdgeCase
{
    /// <summary>A User with no ContextProfile.</summary>
    NoContexts,

    /// <summary>The first ContextProfile has no Profile row.</summary>
    NoProfileRow,

    /// <summary>The first blob is JSON null.</summary>
    JsonNullBlob,

    ArrayBlob,
    StringBlob,
    NumberBlob,
    BooleanBlob,

    /// <summary>The first blob is <c>{}</c>.</summary>
    EmptyObjectBlob,

    /// <summary>null, "", "   ", [] and {} for shared fields, inside an object and for context fields; present values later.</summary>
    AbsentForms,

    /// <summary>Different location, ageRange and name in the first two contexts (a third repeats the first).</summary>
    ScalarConflict,

    /// <summary>beliefs.religion and interactionStyle.energy differ between contexts.</summary>
    ObjectKeyConflict,

    /// <summary>coreValues/constraints elements repeated across and within contexts, also JSON-equal objects written differently.</summary>
    DuplicateArrayElements,

    /// <summary>coreValues: "honesty", beliefs as a string, location as a number, ...</summary>
    WrongTypeShared,

    /// <summary>Context fields that are numbers, objects, booleans, arrays (complementarySkills: a string, which is valid).</summary>
    WrongTypeContext,

    /// <summary>Fields of another context type in the blob.</summary>
    OtherContextsField,

    /// <summary>intent, preferences, dealbreakers (as in the seed) and other keys no table has.</summary>
    UnmappedKeys,

    /// <summary>Numbers with 30 digits, 1e400, 1e-400, -0.</summary>
    BigNumbers,

    /// <summary>Strings with leading and trailing spaces.</summary>
    UntrimmedStrings,

    /// <summary>Text from several Unicode planes: CJK, Hebrew/Arabic (RTL), emoji and ZWJ sequences, CJK extension B.</summary>
    Unicode,

    /// <summary>Two contexts created in the same millisecond, the later enum value first.</summary>
    CreatedAtTie,
}
