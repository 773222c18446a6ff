using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Before Complete-ProfileMigration evaluates its gates or writes anything, and before Undo-ProfileMigration steps
/// back from a completion: does the role have what it needs (docs/permissions.md)? Every missing grant is named in one
/// PermissionDenied error, instead of a cut-over or an undo rolled back halfway.
/// </summary>
internal static class CompletionPrivileges
{
    /// <summary>ALTER TABLE SET SCHEMA and RENAME, DROP TABLE and DROP TRIGGER are for the tables' owner only.</summary>
    private static readonly string[] Owned = [PrismaSchema.User, PrismaSchema.ContextProfile, PrismaSchema.Profile, PrismaSchema.ProfileNew];

    public static void Check(NpgsqlConnection connection, DatabaseTarget target)
    {
        var schemas = target.Schemas;
        using var command = new NpgsqlCommand(SqlText.Raw("completion-privileges.sql"), connection);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        command.Parameters.AddWithValue("owned", Owned);
        command.Parameters.AddWithValue("written", PrismaSchema.NewTables.ToArray());
        ThrowIfMissing(command, target, "the completion", "Run Complete-ProfileMigration as the role that owns the app's tables with the grants docs/permissions.md lists.");
    }

    /// <summary>Undo-ProfileMigration after a completion: moving the archive back, its foreign key, tracking's triggers, Prisma's record.</summary>
    public static void CheckUndo(NpgsqlConnection connection, NpgsqlTransaction transaction, DatabaseTarget target)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("undo-completion-privileges.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", target.Schemas.App);
        command.Parameters.AddWithValue("state", target.Schemas.State);
        ThrowIfMissing(command, target, "undoing the completion", "Run Undo-ProfileMigration as the role that completed (the owner of the app's tables and of the archive) with the grants docs/permissions.md lists.");
    }

    /// <summary>Every missing grant the check's rows name, in one PermissionDenied error.</summary>
    private static void ThrowIfMissing(NpgsqlCommand command, DatabaseTarget target, string what, string advice)
    {
        var missing = Db.Strings(command, new List<string>());
        if (missing.Count > 0)
        {
            throw new MatchmadeException(
                ErrorIds.PermissionDenied,
                FailureKind.PermissionDenied,
                $"Role '{target.UserName}' lacks what {what} needs: {string.Join("; ", missing)}. Nothing was changed. {advice}",
                target: target.Display);
        }
    }
}
