using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>Where a database stands in the lifecycle (migrate, sync, complete, undo).</summary>
public enum MigrationStage
{
    /// <summary>No new tables, and no run of the module or Prisma history says there were any.</summary>
    NotStarted,

    /// <summary>The new tables exist and users are left to migrate.</summary>
    Migrating,

    /// <summary>Every user is migrated; the app may still write the old tables (tracking and sync keep up).</summary>
    Migrated,

    /// <summary>Complete-ProfileMigration ran: ProfileNew is Profile, the old Profile is gone (its archive may be kept).</summary>
    Completed,

    /// <summary>The new tables were there once and Undo-ProfileMigration dropped them.</summary>
    RolledBack,
}

/// <summary>What the catalog says about the cleanup: the transition's tables, the renamed table, the archive.</summary>
public sealed record CompletionState(bool NewTablesPresent, bool Completed, bool ArchivePresent, bool HistoryExists)
{
    /// <summary>The archive of the old Profile table in the module's schema.</summary>
    public const string ArchiveTable = "ProfileOld";

    public static CompletionState Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("completion-stage.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new CompletionState(reader.GetBoolean(0), !reader.GetBoolean(0) && reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3));
    }

    /// <summary>
    /// Refuses a command that works on the transition's tables (ProfileNew and the old Profile) once the schema is
    /// completed, with advice instead of "ProfileNew is missing".
    /// </summary>
    public static void RefuseIfCompleted(DatabaseTarget target, string activity, CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        CompletionState state;
        try
        {
            state = Read(connection, null, target.Schemas);
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, activity, target);
        }

        if (state.Completed)
        {
            throw new MatchmadeException(ErrorIds.MigrationCompleted, FailureKind.InvalidOperation,
                $"{activity}: schema '{target.Schemas.App}' is completed (Complete-ProfileMigration renamed ProfileNew to Profile and archived the old Profile table). It works on the transition's tables; Undo-ProfileMigration steps back to them while the archive exists.", target: target.Schemas.App);
        }
    }

    /// <summary>
    /// The stage, given how many users are left to migrate (null when the new tables are absent) and Prisma's record of
    /// the first migration.
    /// </summary>
    public MigrationStage Stage(long? usersNotMigrated, PrismaMigrationState prisma) =>
        Completed ? MigrationStage.Completed
        : NewTablesPresent ? (usersNotMigrated > 0 ? MigrationStage.Migrating : MigrationStage.Migrated)
        : prisma == PrismaMigrationState.RolledBack || HistoryExists ? MigrationStage.RolledBack
        : MigrationStage.NotStarted;
}
