using Matchmade.Core.Connection;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Schema;

/// <summary>What Prisma's history says about this module's migration.</summary>
public enum PrismaMigrationState
{
    /// <summary>The database has no _prisma_migrations table (e.g. kept with prisma db push).</summary>
    NoHistoryTable,
    NotRecorded,
    Applied,
    /// <summary>Started and neither finished nor rolled back: Prisma refuses to deploy until it is resolved.</summary>
    Failed,
    RolledBack,
}

public sealed record PrismaMigrationRecord(PrismaMigrationState State, string? Checksum, DateTime? FinishedAt);

/// <summary>Reads what exists in the app's schema. Read-only.</summary>
public static class SchemaInspector
{
    /// <summary>
    /// The database's own schemas (not pg_*, information_schema or the module's state schema), those with the app's
    /// "User" table first; for
    /// -Schema's tab completion (the PowerShell layer cannot touch Npgsql's types itself).
    /// </summary>
    public static List<string> SchemaNames(ConnectionRequest request, TimeSpan within)
    {
        // The connection's Timeout bounds the open (a cancellation token does not: Npgsql waits out the server's
        // greeting), the command's the query; together no more than the caller's budget.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var target = DatabaseTarget.Create(request with { MaxConnectTimeout = within });
        using var connection = target.Open();
        using var command = new NpgsqlCommand(SqlText.Raw("schema-names.sql"), connection) { CommandTimeout = Math.Max(1, (int)(within - clock.Elapsed).TotalSeconds) };
        command.Parameters.AddWithValue("state", target.Schemas.State);
        return Db.Strings(command, new List<string>());
    }

    public static HashSet<string> TablesPresent(NpgsqlConnection connection, string schema, IEnumerable<string> names, NpgsqlTransaction? transaction = null)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("tables-present.sql"), connection, transaction);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("names", names.ToArray());
        return Db.Strings(command, new HashSet<string>(StringComparer.Ordinal));
    }

    public static PrismaMigrationRecord ReadPrismaMigration(NpgsqlConnection connection, SchemaNames schemas, bool historyTableExists, NpgsqlTransaction? transaction = null, string migrationName = PrismaSchema.MigrationName)
    {
        if (!historyTableExists)
        {
            return new(PrismaMigrationState.NoHistoryTable, null, null);
        }

        using var command = new NpgsqlCommand(SqlText.For("prisma-migration-rows.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("name", migrationName);
        using var reader = command.ExecuteReader();
        PrismaMigrationRecord? newest = null;
        while (reader.Read())
        {
            var checksum = reader.GetString(1);
            DateTime? finished = reader.IsDBNull(2) ? null : reader.GetDateTime(2);
            var rolledBack = !reader.IsDBNull(3);
            if (finished is not null && !rolledBack)
            {
                return new(PrismaMigrationState.Applied, checksum, finished);
            }

            newest ??= new(rolledBack ? PrismaMigrationState.RolledBack : PrismaMigrationState.Failed, checksum, finished);
        }

        return newest ?? new(PrismaMigrationState.NotRecorded, null, null);
    }
}
