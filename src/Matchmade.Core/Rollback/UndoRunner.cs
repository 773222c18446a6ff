using System.Text;
using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Tracking;
using Npgsql;

namespace Matchmade.Core.Rollback;

/// <summary>
/// The seed's rollback: drop ProfileNew and ContextIntent and mark the migration rolled back in _prisma_migrations
/// (as `prisma migrate resolve --rolled-back` does), all in one transaction, under the run lock. The old tables are
/// never touched. Refuses when the app has started writing the new tables, unless forced.
/// </summary>
public static class UndoRunner
{
    public static UndoOutcome Run(DatabaseTarget target, UndoOptions options, IOperationLog log, CancellationToken cancellationToken)
    {
        using var runLock = RunLock.Acquire(target, "Undo-ProfileMigration", cancellationToken, writes: !options.DryRun);
        var connection = runLock.Connection;
        var schemas = target.Schemas;
        string? backupPath = null;
        try
        {
            if (CompletionState.Read(connection, null, schemas).Completed)
            {
                // One stage at a time: after a completion, Undo steps back to the transition first. It drops nothing,
                // so -BackupPath does not apply: not checked, not written (CompletionUndo warns that it is ignored).
                return CompletionUndo.Run(connection, target, options, log, cancellationToken);
            }

            // Checked once the step is known to drop rows; set only when the path is fit, so a refused path's file is never removed below.
            backupPath = options.BackupPath is null ? null : PrepareBackupPath(options.BackupPath, target);
            using var transaction = connection.BeginTransaction();
            Db.SetLockTimeout(connection, transaction, options.LockTimeout);
            var plan = Inspect(connection, transaction, target, options, log);
            var outcome = new UndoOutcome
            {
                DryRun = options.DryRun,
                Dropped = !options.DryRun,
                Schema = schemas.App,
                ProfileNewRows = plan.Profiles,
                ContextIntentRows = plan.Intents,
                ForeignProfileRows = plan.ForeignProfiles,
                ForeignContextIntentRows = plan.ForeignIntents,
                PrismaMigration = plan.Prisma == PrismaMigrationState.Applied ? "RolledBack" : plan.Prisma.ToString(),
                BackupPath = options.DryRun ? null : backupPath,
            };
            if (options.DryRun)
            {
                transaction.Rollback();
                return outcome with { PrismaMigration = plan.Prisma.ToString() };
            }

            var backedUp = Drop(connection, transaction, schemas, plan, backupPath, log, cancellationToken);
            transaction.Commit();
            log.Verbose($"Dropped ContextIntent and ProfileNew in '{schemas.App}'{(plan.HasMigrationsTable ? " and marked the migration rolled back in _prisma_migrations" : string.Empty)}.");
            return outcome with { BackupRows = backedUp };
        }
        catch (Exception e)
        {
            if (backupPath is not null && File.Exists(backupPath) && e is not MatchmadeException { ErrorId: ErrorIds.BackupExists })
            {
                // Nothing was dropped: a backup of a rollback that did not happen would only mislead.
                PrivateFile.TryDelete(backupPath);
            }

            throw DbErrors.During(e, "Undo-ProfileMigration", target);
        }
    }

    /// <summary>What the undo would drop, with the tables locked (unless a dry run); refuses when there is nothing to undo or rows the app wrote.</summary>
    private static UndoPlan Inspect(NpgsqlConnection connection, NpgsqlTransaction transaction, DatabaseTarget target, UndoOptions options, IOperationLog log)
    {
        var schemas = target.Schemas;
        var present = SchemaInspector.TablesPresent(connection, schemas.App, [.. PrismaSchema.NewTables, PrismaSchema.MigrationsTable], transaction);
        if (!PrismaSchema.NewTables.All(present.Contains))
        {
            throw new MatchmadeException(
                ErrorIds.NothingToUndo,
                FailureKind.ObjectNotFound,
                $"Schema '{schemas.App}' of database '{target.Database}' has no {string.Join(" and ", PrismaSchema.NewTables.Where(t => !present.Contains(t)))}: there is nothing to undo (or -Schema names the wrong schema).",
                target: schemas.App);
        }

        RefuseDependents(connection, transaction, target);
        if (!options.DryRun)
        {
            // Lock the new tables first, so the counts and the backup are exactly what is dropped.
            Db.Execute(connection, transaction, $"LOCK TABLE {schemas.AppQuoted}.\"ContextIntent\", {schemas.AppQuoted}.\"ProfileNew\" IN ACCESS EXCLUSIVE MODE");
        }

        var profiles = Count(connection, transaction, $"SELECT count(*) FROM {schemas.AppQuoted}.\"ProfileNew\"");
        var intents = Count(connection, transaction, $"SELECT count(*) FROM {schemas.AppQuoted}.\"ContextIntent\"");
        var stateExists = SchemaInspector.TablesPresent(connection, schemas.State, ["migrated_user"], transaction).Count == 1;
        var (foreignProfiles, foreignIntents, samples) = ForeignRows(connection, transaction, schemas, stateExists);
        var hasMigrationsTable = present.Contains(PrismaSchema.MigrationsTable);
        var prisma = SchemaInspector.ReadPrismaMigration(connection, schemas, hasMigrationsTable, transaction);
        log.Verbose($"Undo: {profiles:N0} ProfileNew and {intents:N0} ContextIntent rows in '{schemas.App}'; {foreignProfiles:N0} and {foreignIntents:N0} of them not written by Matchmade; Prisma history: {prisma.State}.");
        if (foreignProfiles + foreignIntents > 0 && !options.Force)
        {
            throw new MatchmadeException(
                ErrorIds.ForeignRowsPresent,
                FailureKind.InvalidOperation,
                $"Undo refused: {foreignProfiles:N0} ProfileNew and {foreignIntents:N0} ContextIntent rows were not written by Matchmade or changed since (the app has started writing; e.g. users {string.Join(", ", samples)}). Dropping the tables would lose them. Use -Force to drop them anyway, with -BackupPath to keep a copy.",
                target: schemas.App);
        }

        return new UndoPlan(profiles, intents, foreignProfiles, foreignIntents, prisma.State, hasMigrationsTable, stateExists);
    }

    /// <summary>
    /// A view or another table's foreign key on the new tables would make DROP TABLE fail (a bare SQLSTATE 2BP01, after
    /// -WhatIf said all was well): named here, -WhatIf included. Not even -Force drops them: they are someone's objects.
    /// </summary>
    private static void RefuseDependents(NpgsqlConnection connection, NpgsqlTransaction transaction, DatabaseTarget target)
    {
        var schemas = target.Schemas;
        using var command = new NpgsqlCommand(SqlText.Raw("undo-new-table-dependents.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("tables", PrismaSchema.NewTables.ToArray());
        var found = Db.Strings(command, new List<string>());
        if (found.Count > 0)
        {
            throw new MatchmadeException(
                ErrorIds.NewTablesHaveDependents,
                FailureKind.InvalidOperation,
                $"Undo refused (nothing was changed): {string.Join(", ", found)} depend{(found.Count == 1 ? "s" : string.Empty)} on ProfileNew or ContextIntent in schema '{schemas.App}', which the undo drops. Drop {(found.Count == 1 ? "it" : "them")} or change {(found.Count == 1 ? "it" : "them")} to use the old tables, then undo again.",
                target: schemas.App);
        }
    }

    /// <summary>Backs up (when asked), drops the tables, marks the Prisma migration rolled back, removes change tracking and the run state. Returns the rows backed up.</summary>
    private static long Drop(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, UndoPlan plan, string? backupPath, IOperationLog log, CancellationToken cancellationToken)
    {
        long backedUp = 0;
        if (backupPath is not null)
        {
            backedUp = Backup(connection, transaction, schemas, backupPath, cancellationToken);
            log.Verbose($"Backed up {backedUp:N0} rows to {backupPath}.");
        }

        Db.Execute(connection, transaction, SqlText.For("undo-drop.sql", schemas));
        if (plan.HasMigrationsTable)
        {
            using var prismaCommand = new NpgsqlCommand(SqlText.For("undo-prisma.sql", schemas), connection, transaction);
            prismaCommand.Parameters.AddWithValue("name", PrismaSchema.MigrationName);
            prismaCommand.ExecuteNonQuery();
        }

        // Change tracking goes with the tables it fed (DROP TRIGGER needs to own the old tables).
        ChangeTracking.Remove(connection, transaction, schemas, log);
        if (plan.StateExists)
        {
            using var state = new NpgsqlCommand(SqlText.For("undo-state.sql", schemas), connection, transaction);
            state.Parameters.AddWithValue("app_schema", schemas.App);
            state.ExecuteNonQuery();
        }

        return backedUp;
    }

    /// <summary>
    /// The backup file: -BackupPath itself, or in a folder a file named for the database, schema and time (so several
    /// databases in one call each get their own). Never an existing file.
    /// </summary>
    private static string PrepareBackupPath(string path, DatabaseTarget target)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            full = Path.Combine(full, SafeFileName($"undo-backup-{target.Database}-{target.Schemas.App}-{DateTime.UtcNow:yyyyMMdd-HHmmss}") + ".jsonl");
        }

        if (File.Exists(full))
        {
            throw new MatchmadeException(ErrorIds.BackupExists, FailureKind.InvalidArgument, $"The backup file '{full}' exists already and is never overwritten. Pick another -BackupPath, or a folder (each database then gets a file of its own).", target: full);
        }

        if (!Directory.Exists(Path.GetDirectoryName(full)))
        {
            throw new MatchmadeException(ErrorIds.BackupPathNotWritable, FailureKind.WriteError, $"The folder of the backup file '{full}' does not exist. Create it or pick another -BackupPath.", target: full);
        }

        return full;
    }

    /// <summary>Letters, digits, '-', '_' and '.' kept, anything else '_': database and schema names may hold any character.</summary>
    private static string SafeFileName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    /// <summary>Every row of both tables as JSON lines ({"table": ..., "row": {...}}), written to a temp file and renamed.</summary>
    private static long Backup(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, string path, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        long rows = 0;
        try
        {
            using (var file = PrivateFile.Create(temp))
            using (var writer = new StreamWriter(file, new UTF8Encoding(false)))
            {
                foreach (var table in PrismaSchema.NewTables)
                {
                    using var command = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM {schemas.AppQuoted}.{SqlText.Quote(table)} t", connection, transaction);
                    using var reader = command.ExecuteReader(System.Data.CommandBehavior.SequentialAccess);
                    while (reader.Read())
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        writer.Write("{\"table\":\"");
                        writer.Write(table);
                        writer.Write("\",\"row\":");
                        writer.Write(reader.GetString(0));
                        writer.Write("}\n");
                        rows++;
                    }
                }

                writer.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: false);
            return rows;
        }
        catch (IOException e)
        {
            PrivateFile.TryDelete(temp);
            throw new MatchmadeException(ErrorIds.BackupWriteFailed, FailureKind.WriteError, $"Writing the backup '{path}' failed: {e.Message}. Nothing was dropped.", e, path);
        }
    }

    private static (long Profiles, long Intents, string[] Samples) ForeignRows(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, bool stateExists)
    {
        var sql = stateExists
            ? SqlText.For("undo-foreign-rows.sql", schemas, [
                ("{profile_owned}", RowOwnership.Owned("p", "p.xmin", "m.written_by", "m.kept_by", "m.migrated_at")),
                ("{intent_owned}", RowOwnership.Owned("ci", "ci.xmin", "m.written_by", "m.kept_by", "m.migrated_at")),
            ])
            : SqlText.For("undo-foreign-rows-no-state.sql", schemas);
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<string[]>(2));
    }

    private static long Count(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        return (long)command.ExecuteScalar()!;
    }

    private sealed record UndoPlan(long Profiles, long Intents, long ForeignProfiles, long ForeignIntents, PrismaMigrationState Prisma, bool HasMigrationsTable, bool StateExists);
}
