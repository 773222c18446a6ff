using Matchmade.Core.Merge;

namespace Matchmade.Core.Schema;

/// <summary>An index migration.sql creates: its columns in order, and whether it is unique.</summary>
public sealed record ExpectedIndex(string Table, string Name, bool Unique, IReadOnlyList<string> Columns);

/// <summary>A foreign key migration.sql creates (ON DELETE CASCADE ON UPDATE CASCADE, as Prisma makes them).</summary>
public sealed record ExpectedForeignKey(string Table, string Name, IReadOnlyList<string> Columns, string ReferencedTable, IReadOnlyList<string> ReferencedColumns);

/// <summary>
/// One column as migration.sql creates it: PostgreSQL's udt_name, nullability and default, and a timestamp's
/// fractional digits (Prisma's DateTime is TIMESTAMP(3); null: not a timestamp).
/// </summary>
public sealed record ExpectedColumn(string Table, string Name, string UdtName, bool NotNull, string? Default, int? Precision = null);

/// <summary>
/// The new tables as a migration leaves them, for the Schema check: migration.sql's during the transition,
/// cleanup.prisma's after the completion. <see cref="Source"/> names it in the check's messages.
/// </summary>
public sealed record ExpectedShape(string Source, IReadOnlyList<string> Tables, IReadOnlyList<ExpectedColumn> Columns, IReadOnlyList<ExpectedIndex> Indexes, IReadOnlyList<ExpectedForeignKey> ForeignKeys);

/// <summary>
/// The shape migration.sql gives the new tables, column by column, for checking a database where the app deployed
/// the migration itself. Context columns come from <see cref="FieldCatalog"/>; the rest is migration.sql's fixed part.
/// </summary>
public static class ExpectedSchema
{
    public static IReadOnlyList<ExpectedColumn> ProfileNewColumns { get; } =
    [
        new(PrismaSchema.ProfileNew, "id", "text", true, null),
        new(PrismaSchema.ProfileNew, "userId", "text", true, null),
        new(PrismaSchema.ProfileNew, "coreValues", "jsonb", true, "'[]'::jsonb"),
        new(PrismaSchema.ProfileNew, "beliefs", "jsonb", true, "'{}'::jsonb"),
        new(PrismaSchema.ProfileNew, "interactionStyle", "jsonb", true, "'{}'::jsonb"),
        new(PrismaSchema.ProfileNew, "lifestyle", "jsonb", true, "'{}'::jsonb"),
        new(PrismaSchema.ProfileNew, "constraints", "jsonb", true, "'[]'::jsonb"),
        new(PrismaSchema.ProfileNew, "location", "text", false, null),
        new(PrismaSchema.ProfileNew, "ageRange", "text", false, null),
        new(PrismaSchema.ProfileNew, "name", "text", false, null),
        new(PrismaSchema.ProfileNew, "completeness", "int4", true, "0"),
        new(PrismaSchema.ProfileNew, "missing", "_text", false, null),
        new(PrismaSchema.ProfileNew, "createdAt", "timestamp", true, "CURRENT_TIMESTAMP", 3),
        new(PrismaSchema.ProfileNew, "updatedAt", "timestamp", true, null, 3),
    ];

    public static IReadOnlyList<ExpectedColumn> ContextIntentColumns { get; } =
    [
        new(PrismaSchema.ContextIntent, "id", "text", true, null),
        new(PrismaSchema.ContextIntent, "userId", "text", true, null),
        new(PrismaSchema.ContextIntent, "contextType", "RelationshipContextType", true, null),
        .. FieldCatalog.IntentColumns.Select(c => new ExpectedColumn(PrismaSchema.ContextIntent, c, FieldCatalog.IsJsonIntentColumn(c) ? "jsonb" : "text", false, null)),
        new(PrismaSchema.ContextIntent, "completeness", "int4", true, "0"),
        new(PrismaSchema.ContextIntent, "missing", "_text", false, null),
        new(PrismaSchema.ContextIntent, "createdAt", "timestamp", true, "CURRENT_TIMESTAMP", 3),
        new(PrismaSchema.ContextIntent, "updatedAt", "timestamp", true, null, 3),
    ];

    public static IEnumerable<ExpectedColumn> All => ProfileNewColumns.Concat(ContextIntentColumns);

    public static IReadOnlyList<ExpectedIndex> Indexes { get; } =
    [
        new(PrismaSchema.ProfileNew, "ProfileNew_pkey", true, ["id"]),
        new(PrismaSchema.ProfileNew, "ProfileNew_userId_key", true, ["userId"]),
        new(PrismaSchema.ContextIntent, "ContextIntent_pkey", true, ["id"]),
        new(PrismaSchema.ContextIntent, "ContextIntent_userId_contextType_key", true, ["userId", "contextType"]),
    ];

    public static IReadOnlyList<ExpectedForeignKey> ForeignKeys { get; } =
    [
        new(PrismaSchema.ProfileNew, "ProfileNew_userId_fkey", ["userId"], PrismaSchema.User, ["id"]),
        new(PrismaSchema.ContextIntent, "ContextIntent_userId_fkey", ["userId"], PrismaSchema.User, ["id"]),
    ];

    /// <summary>What migration.sql creates (the transition: ProfileNew and ContextIntent).</summary>
    public static ExpectedShape Transition { get; } = new("migration.sql", PrismaSchema.NewTables, [.. All], Indexes, ForeignKeys);

    /// <summary>
    /// cleanup.prisma's Profile and ContextIntent: migration.sql's tables with cleanup-migration.sql's renames
    /// (ProfileNew to Profile, its primary key, unique index and foreign key to Profile_*); nothing else changes, which
    /// is what Prisma found checking cleanup-migration.sql against cleanup.prisma (no drift).
    /// </summary>
    public static ExpectedShape Cleanup { get; } = new(
        "cleanup.prisma",
        [PrismaSchema.Profile, PrismaSchema.ContextIntent],
        [.. All.Select(c => c with { Table = Renamed(c.Table) })],
        [.. Indexes.Select(i => i with { Table = Renamed(i.Table), Name = Renamed(i.Name) })],
        [.. ForeignKeys.Select(k => k with { Table = Renamed(k.Table), Name = Renamed(k.Name) })]);

    private static string Renamed(string name) =>
        name.StartsWith(PrismaSchema.ProfileNew, StringComparison.Ordinal) ? PrismaSchema.Profile + name[PrismaSchema.ProfileNew.Length..] : name;
}
