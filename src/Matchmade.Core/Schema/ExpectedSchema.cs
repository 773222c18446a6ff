using Matchmade.Core.Merge;

namespace Matchmade.Core.Schema;

/// <summary>An index migration.sql creates: its columns in order, and whether it is unique.</summary>
public sealed record ExpectedIndex(string Table, string Name, bool Unique, IReadOnlyList<string> Columns);

/// <summary>A foreign key migration.sql creates (ON DELETE CASCADE ON UPDATE CASCADE, as Prisma makes them).</summary>
public sealed record ExpectedForeignKey(string Table, string Name, IReadOnlyList<string> Columns, string ReferencedTable, IReadOnlyList<string> ReferencedColumns);

/// <summary>One column as migration.sql creates it: PostgreSQL's udt_name, nullability and default.</summary>
public sealed record ExpectedColumn(string Table, string Name, string UdtName, bool NotNull, string? Default);

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
        new(PrismaSchema.ProfileNew, "createdAt", "timestamp", true, "CURRENT_TIMESTAMP"),
        new(PrismaSchema.ProfileNew, "updatedAt", "timestamp", true, null),
    ];

    public static IReadOnlyList<ExpectedColumn> ContextIntentColumns { get; } =
    [
        new(PrismaSchema.ContextIntent, "id", "text", true, null),
        new(PrismaSchema.ContextIntent, "userId", "text", true, null),
        new(PrismaSchema.ContextIntent, "contextType", "RelationshipContextType", true, null),
        .. FieldCatalog.IntentColumns.Select(c => new ExpectedColumn(PrismaSchema.ContextIntent, c, FieldCatalog.IsJsonIntentColumn(c) ? "jsonb" : "text", false, null)),
        new(PrismaSchema.ContextIntent, "completeness", "int4", true, "0"),
        new(PrismaSchema.ContextIntent, "missing", "_text", false, null),
        new(PrismaSchema.ContextIntent, "createdAt", "timestamp", true, "CURRENT_TIMESTAMP"),
        new(PrismaSchema.ContextIntent, "updatedAt", "timestamp", true, null),
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
}
