using System.Security.Cryptography;
using System.Text;
using Matchmade.Core.Connection;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Schema;

/// <summary>
/// A Prisma migration this module ships byte for byte (embedded file <see cref="FileName"/>) and applies and records
/// the way `prisma migrate deploy` does.
/// </summary>
public sealed record ShippedMigration(string Name, string FileName)
{
    /// <summary>The file as shipped, byte for byte.</summary>
    public byte[] Bytes => SqlText.RawBytes(FileName);

    /// <summary>What Prisma stores in _prisma_migrations.checksum: SHA-256 hex of the migration file.</summary>
    public string Checksum { get; } = Convert.ToHexString(SHA256.HashData(SqlText.RawBytes(FileName))).ToLowerInvariant();

    /// <summary>
    /// Runs the file in the caller's transaction with search_path at the app's schema (Prisma's files have no schema
    /// qualifiers) and, where _prisma_migrations exists, records it as applied.
    /// </summary>
    public void Apply(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, bool record)
    {
        Db.Execute(connection, transaction, $"SET LOCAL search_path TO {schemas.AppQuoted}");
        Db.Execute(connection, transaction, Encoding.UTF8.GetString(Bytes));
        if (record)
        {
            using var insert = new NpgsqlCommand(SqlText.For("prisma-record-migration.sql", schemas), connection, transaction);
            insert.Parameters.AddWithValue("id", Guid.NewGuid().ToString());
            insert.Parameters.AddWithValue("checksum", Checksum);
            insert.Parameters.AddWithValue("name", Name);
            insert.ExecuteNonQuery();
        }
    }
}

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

    /// <summary>The migration that creates the new tables (migration.sql).</summary>
    public static ShippedMigration Initial { get; } = new(MigrationName, MigrationFile);

    /// <summary>The seed's cleanup: ProfileNew renamed Profile, the old Profile dropped (cleanup-migration.sql).</summary>
    public static ShippedMigration Cleanup { get; } = new("20260105000000_complete_profile_migration", "cleanup-migration.sql");

    /// <summary>The tables the migration reads; never written.</summary>
    public static IReadOnlyList<string> OldTables { get; } = [User, ContextProfile, Profile, ChatMessage];

    /// <summary>The tables the migration creates and fills.</summary>
    public static IReadOnlyList<string> NewTables { get; } = [ProfileNew, ContextIntent];

    /// <summary>The old and new tables missing from <paramref name="present"/>, in the order above.</summary>
    public static string[] MissingOldOrNew(IReadOnlySet<string> present) => [.. OldTables.Concat(NewTables).Where(t => !present.Contains(t))];

    /// <summary>What a command that needs the old and the new tables says when some are missing.</summary>
    public static string TablesMissing(string appSchema, IEnumerable<string> missing, string nothingTo) =>
        $"Schema '{appSchema}' lacks {string.Join(", ", missing)}: there is nothing to {nothingTo}, or -Schema names the wrong schema.";

    /// <summary>migration.sql as shipped, byte for byte.</summary>
    public static byte[] MigrationBytes => Initial.Bytes;

    /// <summary>What Prisma stores in _prisma_migrations.checksum: SHA-256 hex of the migration file.</summary>
    public static string MigrationChecksum => Initial.Checksum;
}
