namespace Matchmade.Core.Verification;

/// <summary>The checks Test-MigrationIntegrity runs, in order, with what each one guards.</summary>
public static class IntegrityChecks
{
    public static IReadOnlyList<(string Name, string Description)> All { get; } =
    [
        ("UserProfileCount", "one ProfileNew per User (seed check)"),
        ("ContextIntentCount", "one ContextIntent per ContextProfile (seed check)"),
        ("UsersWithoutProfile", "no User without a ProfileNew (seed check)"),
        ("OrphanedProfiles", "no ProfileNew without its User (seed check)"),
        ("OrphanedContextIntents", "no ContextIntent without a ContextProfile of the same user and context (seed check)"),
        ("MissingContextIntents", "no ContextProfile of a migrated user without its ContextIntent"),
        ("DuplicateProfiles", "at most one ProfileNew per user (seed check)"),
        ("DuplicateContextIntents", "at most one ContextIntent per user and context (seed check)"),
        ("ProfileCompleteness", "ProfileNew.completeness within 0..100 (seed check)"),
        ("ContextIntentCompleteness", "ContextIntent.completeness within 0..100 (seed check)"),
        ("ChatMessageContextProfiles", "no ChatMessage with an invalid contextProfileId (seed check)"),
        ("ContextTypeDistribution", "ContextIntents per context type equal ContextProfiles per context type (seed check)"),
        ("Schema", "the new tables' columns (types, defaults, collations), indexes and unique keys (method, operator classes, collations, order) and foreign keys (actions, MATCH, deferrable, enforced and validated) are exactly migration.sql's"),
        ("PrismaHistory", "_prisma_migrations records the migration as applied, with the shipped checksum"),
        ("PendingChanges", "no user changed in the old tables since it was migrated awaits Sync-ProfileMigration (change tracking)"),
        ("Reconciliation", "every user's stored rows equal what the rules compute from the old tables, field by field"),
        ("NothingLost", "every key of every old blob is in a column, a conflict, the unmapped list or the invalid list"),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(c => c.Name)];

    /// <summary>The checks that are one SQL query each (Verification/Sql/check-NAME.sql).</summary>
    public static IReadOnlySet<string> SqlChecks { get; } = Names.Take(12).ToHashSet(StringComparer.Ordinal);
}
