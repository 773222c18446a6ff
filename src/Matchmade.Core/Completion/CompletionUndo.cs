using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Rollback;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Tracking;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Undo-ProfileMigration after a completion: steps back to the transition in one transaction. Profile gets its
/// transition names back (ProfileNew with its constraint names), the archive (the old Profile table, moved by the
/// completion) moves back with its primary key, unique index and grants, and gets its foreign key again; the cleanup
/// migration is marked rolled back in _prisma_migrations and change tracking is reinstalled, so the schema is
/// target.prisma's again and the app's old code runs. Tracking starts reset: nothing recorded the app's writes while
/// the schema was completed, so only Sync-ProfileMigration -Full can tell which users they changed.
/// </summary>
internal static class CompletionUndo
{
    public static UndoOutcome Run(NpgsqlConnection connection, DatabaseTarget target, UndoOptions options, IOperationLog log, CancellationToken stop)
    {
        var schemas = target.Schemas;
        using var transaction = connection.BeginTransaction();
        var state = CompletionState.Read(connection, transaction, schemas);
        if (!state.ArchivePresent)
        {
            throw new MatchmadeException(ErrorIds.ArchiveNotFound, FailureKind.ObjectNotFound,
                $"Schema '{schemas.App}' was completed and its archive {schemas.State}.{CompletionState.ArchiveTable} has been removed: the old Profile table's rows are gone, so the completion cannot be undone. Nothing needs it: the schema is complete and the app runs on the new tables. If the old rows are needed, restore the old Profile table from a backup of the database taken before -RemoveArchive, into another schema or database, and read them there.", target: schemas.State);
        }

        if (!options.DryRun && (options.BackupPath is not null || options.Force))
        {
            log.Warning("Undoing a completion drops nothing: -BackupPath and -Force do not apply to this step and are ignored (no backup file is written).");
        }

        if (!options.DryRun)
        {
            CompletionPrivileges.CheckUndo(connection, transaction, target);
            CutOverLock.Take(connection, transaction, SqlText.For("undo-completion-lock.sql", schemas), "ACCESS EXCLUSIVE lock on Profile, ContextProfile and User", options.LockTimeout, 5, log, stop);
        }

        var archived = CutOverLock.Count(connection, transaction, $"SELECT count(*) FROM {schemas.StateQuoted}.\"{CompletionState.ArchiveTable}\"");
        var profiles = CutOverLock.Count(connection, transaction, $"SELECT count(*) FROM {schemas.AppQuoted}.\"Profile\"");
        var intents = CutOverLock.Count(connection, transaction, $"SELECT count(*) FROM {schemas.AppQuoted}.\"ContextIntent\"");
        var prismaTable = SchemaInspector.TablesPresent(connection, schemas.App, [PrismaSchema.MigrationsTable], transaction).Count == 1;
        var outcome = new UndoOutcome
        {
            DryRun = options.DryRun, Dropped = false, Step = UndoStep.Completion, Schema = schemas.App, ProfileNewRows = profiles, ContextIntentRows = intents,
            ForeignProfileRows = 0, ForeignContextIntentRows = 0, ArchiveRows = archived,
            PrismaMigration = prismaTable ? (options.DryRun ? PrismaMigrationState.Applied : PrismaMigrationState.RolledBack).ToString() : PrismaMigrationState.NoHistoryTable.ToString(),
        };
        if (options.DryRun)
        {
            return outcome;
        }

        // The archive's rows whose ContextProfile the app deleted since the completion are the only rows the statement removes.
        long restored;
        using (var restore = new NpgsqlCommand(SqlText.For("undo-completion.sql", schemas), connection, transaction))
        {
            restored = archived - restore.ExecuteNonQuery();
        }

        if (prismaTable)
        {
            using var prisma = new NpgsqlCommand(SqlText.For("undo-prisma.sql", schemas), connection, transaction);
            prisma.Parameters.AddWithValue("name", PrismaSchema.Cleanup.Name);
            prisma.ExecuteNonQuery();
        }

        ChangeTracking.Install(connection, transaction, schemas);
        ChangeTracking.MarkNotWhole(connection, transaction, schemas);
        transaction.Commit();
        log.Verbose($"Stepped back from the completion: Profile is ProfileNew again, the old Profile table is back with {restored:N0} of {archived:N0} archived rows (the others' ContextProfile is gone), change tracking is reinstalled{(prismaTable ? $", and {PrismaSchema.Cleanup.Name} is marked rolled back in _prisma_migrations" : string.Empty)}.");
        log.Warning($"Nothing tracked the app's writes while schema '{schemas.App}' was completed, so change tracking starts reset: run Sync-ProfileMigration -Full (it reconciles every user with the old tables, rebuilds those that differ and re-arms tracking) before a plain sync or completing again.");
        return outcome with { RestoredRows = restored };
    }
}
