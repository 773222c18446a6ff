using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Schema;

public enum SchemaStepOutcome
{
    /// <summary>The tables were created from migration.sql (and recorded in _prisma_migrations where it exists).</summary>
    Created,
    /// <summary>The tables were there already with the expected shape.</summary>
    AlreadyPresent,
    /// <summary>Dry run on a database without the new tables: they would be created.</summary>
    WouldCreate,
}

/// <summary>
/// Creates ProfileNew and ContextIntent with the shipped migration.sql, byte for byte, in one transaction, and
/// records it the way `prisma migrate deploy` does. Never alters an existing table.
/// </summary>
public static class SchemaStep
{
    /// <summary>Checks (and in a live run, applies) the schema step. Runs in its own transaction unless one is given.</summary>
    public static SchemaStepOutcome Ensure(NpgsqlConnection connection, DatabaseTarget target, bool dryRun, TimeSpan lockTimeout, IOperationLog log, NpgsqlTransaction? readOnlyTransaction = null)
    {
        var schemas = target.Schemas;
        var transaction = readOnlyTransaction ?? connection.BeginTransaction();
        try
        {
            if (readOnlyTransaction is null)
            {
                Db.SetLockTimeout(connection, transaction, lockTimeout);
            }

            var (present, prisma) = CheckSourceAndHistory(connection, transaction, target);
            var newPresent = PrismaSchema.NewTables.Where(present.Contains).ToArray();
            if (newPresent.Length == PrismaSchema.NewTables.Count)
            {
                CheckShape(connection, transaction, target, log);
                Finish();
                log.Verbose($"Schema step: {string.Join(" and ", PrismaSchema.NewTables)} already exist with the expected shape (Prisma history: {prisma.State}).");
                return SchemaStepOutcome.AlreadyPresent;
            }

            ThrowIfPartial(newPresent, schemas);
            if (dryRun)
            {
                Finish();
                log.Verbose($"Schema step (dry run): would create {string.Join(" and ", PrismaSchema.NewTables)} from migration.sql{(prisma.State == PrismaMigrationState.NoHistoryTable ? string.Empty : " and record it in _prisma_migrations")}.");
                return SchemaStepOutcome.WouldCreate;
            }

            PrismaSchema.Initial.Apply(connection, transaction, schemas, record: prisma.State != PrismaMigrationState.NoHistoryTable);
            Finish();
            log.Verbose($"Schema step: created {string.Join(" and ", PrismaSchema.NewTables)} from migration.sql{(prisma.State == PrismaMigrationState.NoHistoryTable ? " (no _prisma_migrations table: nothing recorded)" : $" and recorded {PrismaSchema.MigrationName} in _prisma_migrations")}.");
            return SchemaStepOutcome.Created;
        }
        catch
        {
            if (readOnlyTransaction is null)
            {
                transaction.Dispose();
            }

            throw;
        }

        void Finish()
        {
            if (readOnlyTransaction is null)
            {
                transaction.Commit();
                transaction.Dispose();
            }
        }
    }

    /// <summary>Some but not all of the new tables: something else created part of the migration, and the step stops.</summary>
    private static void ThrowIfPartial(string[] newPresent, SchemaNames schemas)
    {
        if (newPresent.Length > 0)
        {
            throw new MatchmadeException(
                ErrorIds.PartialSchema,
                FailureKind.InvalidOperation,
                $"Only {string.Join(", ", newPresent)} of the new tables exists in '{schemas.App}'. Something created part of the migration; drop it (Undo-ProfileMigration) or finish it with Prisma, then run again.",
                target: schemas.App);
        }
    }

    /// <summary>The app's tables must be there and Prisma's history must not record the migration as failed. Returns the tables present and the history's state.</summary>
    private static (HashSet<string> Present, PrismaMigrationRecord Prisma) CheckSourceAndHistory(NpgsqlConnection connection, NpgsqlTransaction transaction, DatabaseTarget target)
    {
        var schemas = target.Schemas;
        var present = SchemaInspector.TablesPresent(connection, schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables, PrismaSchema.MigrationsTable], transaction);
        var missingOld = PrismaSchema.OldTables.Where(t => !present.Contains(t)).ToArray();
        if (missingOld.Length > 0)
        {
            throw new MatchmadeException(
                ErrorIds.SourceTablesNotFound,
                FailureKind.ObjectNotFound,
                $"Schema '{schemas.App}' of database '{target.Database}' lacks the app's tables {string.Join(", ", missingOld)}. Check -Schema (or the URL's ?schema=) and the database name.",
                target: schemas.App);
        }

        var prisma = SchemaInspector.ReadPrismaMigration(connection, schemas, present.Contains(PrismaSchema.MigrationsTable), transaction);
        if (prisma.State == PrismaMigrationState.Failed)
        {
            throw new MatchmadeException(
                ErrorIds.PrismaMigrationFailed,
                FailureKind.InvalidOperation,
                $"Prisma's history ({schemas.App}._prisma_migrations) records migration {PrismaSchema.MigrationName} as failed (started, neither finished nor rolled back). Resolve it first: `npx prisma migrate resolve --rolled-back {PrismaSchema.MigrationName}` if its tables are incomplete (drop them), or `--applied` if they are complete; then run again.",
                target: PrismaSchema.MigrationName);
        }

        return (present, prisma);
    }

    /// <summary>Every column migration.sql creates must be there with its type and nullability; extra columns are only reported.</summary>
    public static void CheckShape(NpgsqlConnection connection, NpgsqlTransaction? transaction, DatabaseTarget target, IOperationLog log)
    {
        var actual = ReadColumns(connection, transaction, target.Schemas.App);
        var problems = new List<string>();
        foreach (var expected in ExpectedSchema.All)
        {
            if (!actual.TryGetValue((expected.Table, expected.Name), out var column))
            {
                problems.Add($"{expected.Table}.{expected.Name} is missing");
            }
            else if (!string.Equals(column.UdtName, expected.UdtName, StringComparison.Ordinal) || column.NotNull != expected.NotNull)
            {
                problems.Add($"{expected.Table}.{expected.Name} is {column.UdtName}{(column.NotNull ? " NOT NULL" : string.Empty)}, expected {expected.UdtName}{(expected.NotNull ? " NOT NULL" : string.Empty)}");
            }
        }

        if (problems.Count > 0)
        {
            throw new MatchmadeException(
                ErrorIds.UnexpectedTableShape,
                FailureKind.InvalidData,
                $"The existing new tables in '{target.Schemas.App}' do not have the shape migration.sql gives them: {string.Join("; ", problems)}. They were not created by migration {PrismaSchema.MigrationName}; fix or drop them, then run again.",
                target: target.Schemas.App);
        }

        var known = ExpectedSchema.All.Select(c => (c.Table, c.Name)).ToHashSet();
        foreach (var extra in actual.Keys.Where(k => !known.Contains(k)))
        {
            log.Warning($"{extra.Table}.{extra.Name} is not in migration.sql; the migration leaves it to its default.");
        }
    }

    /// <summary>A column as the catalog has it; <see cref="Collation"/> is null for the database default, <see cref="Precision"/> for a type without fractional seconds.</summary>
    internal sealed record ActualColumn(string UdtName, bool NotNull, string? Default, string? Collation, int? Precision);

    internal static Dictionary<(string Table, string Name), ActualColumn> ReadColumns(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, IReadOnlyList<string>? tables = null)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("columns-of.sql"), connection, transaction);
        command.Parameters.AddWithValue("schema", schema);
        command.Parameters.AddWithValue("tables", (tables ?? PrismaSchema.NewTables).ToArray());
        var columns = new Dictionary<(string, string), ActualColumn>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            columns[(reader.GetString(0), reader.GetString(1))] = new ActualColumn(reader.GetString(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(5) ? null : reader.GetInt32(5));
        }

        return columns;
    }

}
