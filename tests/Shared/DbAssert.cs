using Npgsql;

namespace Matchmade.Tests.Shared;

/// <summary>SQL the tests use to compare databases: content hashes and plain queries.</summary>
public static class DbAssert
{
    /// <summary>A hash over every column of every row of the four old tables: they must never change.</summary>
    public static string OldTablesHash(NpgsqlConnection connection, string schema = "public") => Scalar<string>(connection, $"""
        SELECT md5(coalesce((SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM {Q(schema)}."User" t), '') || '#' ||
                   coalesce((SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM {Q(schema)}."ContextProfile" t), '') || '#' ||
                   coalesce((SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM {Q(schema)}."Profile" t), '') || '#' ||
                   coalesce((SELECT string_agg(t::text, E'\n' ORDER BY t.id) FROM {Q(schema)}."ChatMessage" t), ''))
        """);

    /// <summary>
    /// A hash over the new tables' content, ids and timestamps aside: equal hashes mean the same migration result.
    /// Each row is its whole <c>to_jsonb</c> minus id/createdAt/updatedAt, so a value moved between two nullable
    /// columns, a NULL against an empty string, or a value holding a separator all hash differently.
    /// After Complete-ProfileMigration the profiles are in <paramref name="profileTable"/> "Profile" (same rows, same hash).
    /// </summary>
    public static string NewTablesContentHash(NpgsqlConnection connection, string schema = "public", string profileTable = "ProfileNew") => Scalar<string>(connection, NewTablesContentSql(schema, "md5(coalesce(string_agg(r, E'\\n' ORDER BY r), ''))", profileTable));

    /// <summary>The new tables' rows, ids and timestamps aside, as JSON text, one per line, sorted: for exact expectations.</summary>
    public static string NewTablesContent(NpgsqlConnection connection, string schema = "public") => Scalar<string>(connection, NewTablesContentSql(schema, "coalesce(string_agg(r, E'\\n' ORDER BY r), '')", "ProfileNew"));

    private static string NewTablesContentSql(string schema, string aggregate, string profileTable) => $"""
        SELECT (SELECT {aggregate} FROM (SELECT 'ProfileNew ' || (to_jsonb(p) - 'id' - 'createdAt' - 'updatedAt')::text AS r FROM {Q(schema)}.{Q(profileTable)} p) a)
            || '#' ||
               (SELECT {aggregate} FROM (SELECT 'ContextIntent ' || (to_jsonb(c) - 'id' - 'createdAt' - 'updatedAt')::text AS r FROM {Q(schema)}."ContextIntent" c) b)
        """;

    /// <summary>
    /// Rows that break "whole users only": a context of a user who has a ProfileNew but no ContextIntent for it, plus
    /// ContextIntents of users without a ProfileNew. One statement, so one snapshot (the torture run's observer uses it
    /// while a run writes).
    /// </summary>
    public const string HalfMigratedRowsSql = """
        SELECT (SELECT count(*) FROM "ProfileNew" p JOIN "ContextProfile" cp ON cp."userId" = p."userId"
                WHERE NOT EXISTS (SELECT 1 FROM "ContextIntent" ci WHERE ci."userId" = cp."userId" AND ci."contextType" = cp."contextType"))
             + (SELECT count(*) FROM "ContextIntent" ci WHERE NOT EXISTS (SELECT 1 FROM "ProfileNew" p WHERE p."userId" = ci."userId"))
        """;

    public static long HalfMigratedRows(NpgsqlConnection connection) => Scalar<long>(connection, HalfMigratedRowsSql);

    /// <summary>A hash of everything in the database that is not a system catalog: schemas, tables and their rows.</summary>
    public static string WholeDatabaseHash(NpgsqlConnection connection)
    {
        var tables = new List<string>();
        using (var list = new NpgsqlCommand("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r','p','v','m','S') AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
            ORDER BY 1
            """, connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var parts = new List<string> { string.Join(",", tables) };
        foreach (var table in tables)
        {
            // A sequence's row has no composite type: its state is last_value.
            parts.Add(Scalar<string>(connection, $"SELECT CASE WHEN to_regclass(@t) IS NOT NULL AND (SELECT relkind FROM pg_class WHERE oid = to_regclass(@t)) = 'S' THEN '' ELSE NULL END", ("t", table)) is not null
                ? Scalar<long>(connection, $"SELECT last_value FROM {table}").ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Scalar<string>(connection, $"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {table} t"));
        }

        return string.Join(";", parts);
    }

    public static T Scalar<T>(NpgsqlConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var result = command.ExecuteScalar();
        return result is DBNull or null ? default! : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }

    public static void Exec(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Prisma's own _prisma_migrations DDL (as `prisma migrate` creates it).</summary>
    public const string PrismaMigrationsTable = """
        CREATE TABLE "_prisma_migrations" (
            "id" VARCHAR(36) PRIMARY KEY NOT NULL,
            "checksum" VARCHAR(64) NOT NULL,
            "finished_at" TIMESTAMPTZ,
            "migration_name" VARCHAR(255) NOT NULL,
            "logs" TEXT,
            "rolled_back_at" TIMESTAMPTZ,
            "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
            "applied_steps_count" INTEGER NOT NULL DEFAULT 0
        );
        """;

    private static string Q(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
