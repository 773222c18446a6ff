using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Schema;

/// <summary>
/// Before a live run writes anything: does the role have every grant the run needs (docs/permissions.md)? Missing
/// grants are named together in one PermissionDenied error, instead of a failure halfway through.
/// </summary>
public static class PrivilegeCheck
{
    public static void ForLiveRun(NpgsqlConnection connection, DatabaseTarget target, bool force, bool changeTracking = false)
    {
        var schemas = target.Schemas;
        using var command = new NpgsqlCommand(SqlText.Raw("privileges.sql"), connection);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        command.Parameters.AddWithValue("old_tables", new[] { PrismaSchema.User, PrismaSchema.ContextProfile, PrismaSchema.Profile });
        command.Parameters.AddWithValue("new_tables", PrismaSchema.NewTables.ToArray());
        command.Parameters.AddWithValue("new_privileges", force ? new[] { "SELECT", "INSERT", "UPDATE", "DELETE" } : new[] { "SELECT", "INSERT" });
        command.Parameters.AddWithValue("tracked_tables", changeTracking ? Tracking.ChangeTracking.TrackedTables.ToArray() : Array.Empty<string>());
        using var reader = command.ExecuteReader();
        reader.Read();
        var missing = new List<string>();
        if (!reader.GetBoolean(1))
        {
            missing.Add($"USAGE on schema {schemas.AppQuoted}");
        }

        var newTablesExist = reader.GetBoolean(9);
        var notSelectable = reader.GetFieldValue<string[]>(5);
        missing.AddRange(notSelectable.Select(t => $"SELECT on {schemas.AppQuoted}.{SqlText.Quote(t)}"));
        if (!newTablesExist)
        {
            if (!reader.GetBoolean(2))
            {
                missing.Add($"CREATE on schema {schemas.AppQuoted} (the schema step creates ProfileNew and ContextIntent)");
            }

            if (!reader.GetBoolean(6))
            {
                missing.Add($"REFERENCES on {schemas.AppQuoted}.\"User\" (migration.sql's foreign keys)");
            }
        }

        missing.AddRange(reader.GetFieldValue<string[]>(7).Select(tp => tp.Split(':') is var parts ? $"{parts[1]} on {schemas.AppQuoted}.{SqlText.Quote(parts[0])}" : tp));
        var stateExists = reader.GetBoolean(4);
        if (stateExists ? !reader.GetBoolean(3) : !reader.GetBoolean(0))
        {
            missing.Add(stateExists ? $"USAGE and CREATE on schema {schemas.StateQuoted} (the module's run history)" : $"CREATE on database \"{connection.Database}\" (to create the module's schema {schemas.StateQuoted}), or create that schema for the role beforehand");
        }

        if (!reader.GetBoolean(8))
        {
            missing.Add($"SELECT and INSERT on {schemas.AppQuoted}.\"_prisma_migrations\"");
        }

        missing.AddRange(reader.GetFieldValue<string[]>(10).Select(t => $"TRIGGER on {schemas.AppQuoted}.{SqlText.Quote(t)} (change tracking; or run with -NoChangeTracking)"));
        if (missing.Count > 0)
        {
            throw new MatchmadeException(
                ErrorIds.PermissionDenied,
                FailureKind.PermissionDenied,
                $"Role '{target.UserName}' lacks what the migration needs: {string.Join("; ", missing)}. Nothing was written. See docs/permissions.md for the grants of each command.",
                target: target.Display);
        }
    }
}
