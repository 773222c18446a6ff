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

public static class ContextTypes
{
    private static readonly string[] Names = ["romantic", "friendship", "professional", "creative", "service"];

    public static IReadOnlyList<ContextType> All { get; } = [ContextType.Romantic, ContextType.Friendship, ContextType.Professional, ContextType.Creative, ContextType.Service];

    public static string ToDbName(ContextType type) => Names[(int)type];

    public static bool TryParse(string dbName, out ContextType type)
    {
        var index = Array.IndexOf(Names, dbName);
        type = (ContextType)Math.Max(index, 0);
        return index >= 0;
    }

    public static ContextType Parse(string dbName) =>
        TryParse(dbName, out var type) ? type : throw new ArgumentException($"'{dbName}' is not a RelationshipContextType ({string.Join(", ", Names)}).", nameof(dbName));
}
