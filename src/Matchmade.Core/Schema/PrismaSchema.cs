using System.Security.Cryptography;
using Matchmade.Core.Sql;

namespace Matchmade.Core.Schema;

/// <summary>The app's tables as Prisma names them, and the migration this module ships.</summary>
public static class PrismaSchema
{
    public const string User = "User";
    public const string ContextProfile = "ContextProfile";
    public const string Profile = "Profile";
    public const string ChatMessage = "ChatMessage";
    public const string ProfileNew = "ProfileNew";
    public const string ContextIntent = "ContextIntent";
    public const string MigrationsTable = "_prisma_migrations";
    public const string MigrationName = "20251223025136_add_profile_and_context_intent_models";
    public const string MigrationFile = "migration.sql";

    /// <summary>The tables the migration reads; never written.</summary>
    public static IReadOnlyList<string> OldTables { get; } = [User, ContextProfile, Profile, ChatMessage];

    /// <summary>The tables the migration creates and fills.</summary>
    public static IReadOnlyList<string> NewTables { get; } = [ProfileNew, ContextIntent];

    /// <summary>migration.sql as shipped, byte for byte.</summary>
    public static byte[] MigrationBytes => SqlText.RawBytes(MigrationFile);

    /// <summary>What Prisma stores in _prisma_migrations.checksum: SHA-256 hex of the migration file.</summary>
    public static string MigrationChecksum { get; } = Convert.ToHexString(SHA256.HashData(SqlText.RawBytes(MigrationFile))).ToLowerInvariant();
}
