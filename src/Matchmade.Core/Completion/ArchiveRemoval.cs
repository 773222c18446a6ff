using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Complete-ProfileMigration -RemoveArchive: drops the archive of the old Profile table once the team is sure. Undo
/// still needs it while the completion is younger than <see cref="CompletionOptions.ArchiveRetention"/> (the time the
/// app's old code may still be rolled back to), or when the history does not say when the completion happened; then
/// only -Force removes it. An archive without a completed cleanup is refused (it is not this schema's).
/// </summary>
internal static class ArchiveRemoval
{
    public static CompletionOutcome Run(DatabaseTarget target, CompletionOptions options, IOperationLog log, CancellationToken stop)
    {
        var schemas = target.Schemas;
        var startedAt = DateTimeOffset.UtcNow;
        using var runLock = RunLock.Acquire(target, "Complete-ProfileMigration -RemoveArchive", stop, writes: !options.DryRun);
        var connection = runLock.Connection;
        try
        {
            using var transaction = connection.BeginTransaction();
            // DROP TABLE waits for every reader of the archive (a report, a pg_dump), and every later reader queues behind it.
            Db.SetLockTimeout(connection, transaction, options.LockTimeout);
            var state = CompletionState.Read(connection, transaction, schemas);
            if (!state.ArchivePresent)
            {
                throw new MatchmadeException(ErrorIds.ArchiveNotFound, FailureKind.ObjectNotFound, $"There is no archive {schemas.State}.{CompletionState.ArchiveTable} to remove (removed already, or never completed).", target: schemas.State);
            }

            if (!state.Completed)
            {
                throw new MatchmadeException(ErrorIds.NotCompleted, FailureKind.InvalidOperation, $"Schema '{schemas.App}' is not completed (it has ProfileNew): the archive {schemas.State}.{CompletionState.ArchiveTable} is not its archive. Run -RemoveArchive against the schema that was completed.", target: schemas.App);
            }

            DateTime? completedAt = null;
            if (state.HistoryExists)
            {
                using var command = new NpgsqlCommand(SqlText.For("completion-completed-at.sql", schemas), connection, transaction);
                command.Parameters.AddWithValue("app_schema", schemas.App);
                completedAt = command.ExecuteScalar() is DateTime at ? at : null;
            }

            var age = completedAt is { } when ? DateTimeOffset.UtcNow - new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc)) : (TimeSpan?)null;
            var rows = CutOverLock.Count(connection, transaction, $"SELECT count(*) FROM {schemas.StateQuoted}.\"{CompletionState.ArchiveTable}\"");
            var needed = age is null || age < CompletionOptions.ArchiveRetention;
            if (needed && !options.Force)
            {
                throw new MatchmadeException(ErrorIds.ArchiveStillNeeded, FailureKind.InvalidOperation, string.Create(CultureInfo.InvariantCulture,
                    $"The archive ({rows:N0} rows) is what Undo-ProfileMigration needs to step back to the transition, and the completion is {(age is { } a ? $"only {a.TotalDays:N1} days old" : "of unknown age (no completed run in the history)")}: it is kept for {CompletionOptions.ArchiveRetention.TotalDays:N0} days after the completion. Use -Force once you are sure the app will not go back."), target: schemas.State);
            }

            if (!options.DryRun)
            {
                Db.Execute(connection, transaction, SqlText.For("archive-drop.sql", schemas));
                transaction.Commit();
                log.Verbose($"Removed the archive {schemas.State}.{CompletionState.ArchiveTable} ({rows:N0} rows); Undo-ProfileMigration can no longer step back past the completion.");
            }

            return new CompletionOutcome
            {
                RunId = Guid.Empty, DryRun = options.DryRun, Status = RunStatus.Completed, Server = $"{target.Host}:{target.Port}", Database = target.Database, Schema = schemas.App,
                Gates = [new("ArchiveNotNeeded", !needed, needed ? "Removed with -Force before the retention ended." : "The completion is older than the retention.")],
                Plan = [string.Create(CultureInfo.InvariantCulture, $"DROP TABLE {schemas.State}.{CompletionState.ArchiveTable} ({rows:N0} rows): Undo-ProfileMigration can then no longer step back past the completion.")],
                RowsArchived = rows, ArchiveRemoved = !options.DryRun, StartedAt = startedAt, FinishedAt = DateTimeOffset.UtcNow,
                Message = options.DryRun ? "Would remove the archive." : "Removed the archive.",
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw DbErrors.During(e, "Complete-ProfileMigration -RemoveArchive", target);
        }
    }
}
