using Matchmade.Core.Connection;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Status;

/// <summary>Reads a database's migration status in one read-only transaction (one consistent snapshot).</summary>
public static class StatusReader
{
    public static MigrationStatusInfo Read(DatabaseTarget target, CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        try
        {
            using var transaction = Db.BeginReadOnlySnapshot(connection);

            var schemas = target.Schemas;
            var present = SchemaInspector.TablesPresent(
                connection, schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables, PrismaSchema.MigrationsTable], transaction);

            long? Count(string table) => present.Contains(table) ? Scalar($"SELECT count(*) FROM {schemas.AppQuoted}.{SqlText.Quote(table)}") : null;
            long Scalar(string sql) => ReadCount(connection, transaction, sql);

            var missingOld = PrismaSchema.OldTables.Where(t => !present.Contains(t)).ToArray();
            var missingNew = PrismaSchema.NewTables.Where(t => !present.Contains(t)).ToArray();
            var users = Count(PrismaSchema.User);
            var profileNew = Count(PrismaSchema.ProfileNew);
            var completion = Completion.CompletionState.Read(connection, transaction, schemas);
            long? notMigrated = users is null || completion.Completed ? null
                : present.Contains(PrismaSchema.ProfileNew) ? Scalar(SqlText.For("status-not-migrated.sql", schemas))
                : users;
            var prisma = SchemaInspector.ReadPrismaMigration(connection, schemas, present.Contains(PrismaSchema.MigrationsTable), transaction);

            var tracking = Tracking.ChangeTracking.Read(connection, transaction, schemas);
            var left = LeftToMigrate(connection, transaction, schemas, notMigrated, tracking);
            var info = new MigrationStatusInfo
            {
                Server = target.Server,
                Database = connection.Database,
                ServerVersion = connection.PostgreSqlVersion.ToString(),
                Schema = schemas.App,
                OldTablesExist = missingOld.Length == 0,
                MissingOldTables = missingOld,
                NewTablesExist = missingNew.Length == 0,
                MissingNewTables = missingNew,
                UserCount = users,
                ContextProfileCount = Count(PrismaSchema.ContextProfile),
                ProfileCount = Count(PrismaSchema.Profile),
                ProfileNewCount = profileNew,
                ContextIntentCount = Count(PrismaSchema.ContextIntent),
                UsersNotMigrated = notMigrated,
                PrismaMigration = prisma.State,
                Stage = completion.Stage(left, prisma.State),
                ArchivePresent = completion.ArchivePresent && completion.Completed,
                ArchiveRows = completion.ArchivePresent && completion.Completed ? Scalar($"SELECT count(*) FROM {schemas.StateQuoted}.\"{Completion.CompletionState.ArchiveTable}\"") : null,
                TrackingInstalled = tracking.Installed,
                TrackingStatus = tracking.Status,
                PendingChangedUsers = tracking.PendingUsers,
                OldestPendingChangeAge = tracking.Lag,
            };
            transaction.Commit();
            return info;
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Reading the migration status", target);
        }
    }

    /// <summary>
    /// The users left to migrate, as the completion's gate counts them (<see cref="Completion.CompletionGates.UsersLeftToMigrate"/>):
    /// a user the app created during the transition, with its pending change, is the sync's. Where the change record
    /// cannot be read (a standby, a role without the grant), every user without a ProfileNew.
    /// </summary>
    private static long? LeftToMigrate(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, long? notMigrated, Tracking.TrackingState tracking) =>
        notMigrated > 0 && tracking.TableExists && tracking.PendingUsers is not null
            ? Completion.CompletionGates.UsersLeftToMigrate(connection, transaction, schemas, pendingReadable: true)
            : notMigrated;

    private static long ReadCount(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
