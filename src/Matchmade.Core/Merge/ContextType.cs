namespace Matchmade.Core.Merge;

/// <summary>The app's RelationshipContextType, in the PostgreSQL enum's order (which breaks ties between contexts).</summary>
public enum ContextType
{
    Romantic = 0,
    Friendship = 1,
    Professional = 2,
    Creative = 3,
    Service = 4,
}

/// <summary>The database names of <see cref="ContextType"/> ("romantic", …), matched exactly (case-sensitive, like PostgreSQL's enum).</summary>
public static class ContextTypes
{
    private static readonly string[] Names = ["romantic", "friendship", "professional", "creative", "service"];

    /// <summary>Every context type in enum order.</summary>
    public static IReadOnlyList<ContextType> All { get; } = Array.AsReadOnly(new[] { ContextType.Romantic, ContextType.Friendship, ContextType.Professional, ContextType.Creative, ContextType.Service });

    public static string ToDbName(ContextType type) =>
        (uint)type < (uint)Names.Length ? Names[(int)type] : throw new ArgumentOutOfRangeException(nameof(type), type, "not a RelationshipContextType");

    public static bool TryParse(string dbName, out ContextType type)
    {
        var index = dbName is null ? -1 : Array.IndexOf(Names, dbName);
        type = index >= 0 ? (ContextType)index : default;
        return index >= 0;
    }

    /// <summary>The context type named <paramref name="dbName"/>; <see cref="ArgumentException"/> for any other name.</summary>
    public static ContextType Parse(string dbName) =>
        TryParse(dbName, out var type) ? type : throw new ArgumentException($"'{dbName}' is not a RelationshipContextType ({string.Join(", ", Names)}).", nameof(dbName));
}
