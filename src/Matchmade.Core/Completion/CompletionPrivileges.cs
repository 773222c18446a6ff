using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// Before Complete-ProfileMigration evaluates its gates or writes anything: does the role have what the cut-over
/// needs (docs/permissions.md)? Every missing grant is named in one PermissionDenied error, instead of a cut-over
/// rolled back halfway.
/// </summary>
internal static class CompletionPrivileges
{
    /// <summary>DROP TABLE, ALTER TABLE RENAME and DROP TRIGGER are for the tables' owner only.</summary>
    private static readonly string[] Owned = [PrismaSchema.User, PrismaSchema.ContextProfile, PrismaSchema.Profile, PrismaSchema.ProfileNew];

    public static void Check(NpgsqlConnection connection, DatabaseTarget target)
    {
        var schemas = target.Schemas;
        var missing = new List<string>();
        using (var command = new NpgsqlCommand(SqlText.Raw("completion-privileges.sql"), connection))
        {
            command.Parameters.AddWithValue("app", schemas.App);
            command.Parameters.AddWithValue("state", schemas.State);
            command.Parameters.AddWithValue("owned", Owned);
            command.Parameters.AddWithValue("written", PrismaSchema.NewTables.ToArray());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                missing.Add(reader.GetString(0));
            }
        }

        if (missing.Count > 0)
        {
            throw new MatchmadeException(
                ErrorIds.PermissionDenied,
                FailureKind.PermissionDenied,
                $"Role '{target.UserName}' lacks what the completion needs: {string.Join("; ", missing)}. Nothing was changed. Run Complete-ProfileMigration as the role that owns the app's tables with the grants docs/permissions.md lists.",
                target: target.Display);
        }
    }
}
