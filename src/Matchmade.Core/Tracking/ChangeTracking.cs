using Matchmade.Core.Connection;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Tracking;

/// <summary>Where tracking stands for one app schema. PendingUsers is null when this role may not read the change table.</summary>
public sealed record TrackingState(bool Installed, bool TableExists, long? PendingUsers, DateTimeOffset? OldestPendingChange)
{
    /// <summary>How long the oldest change not yet synced has waited (null: none pending).</summary>
    public TimeSpan? Lag => OldestPendingChange is { } oldest ? DateTimeOffset.UtcNow - oldest : null;
}

/// <summary>
/// Change tracking during the transition: triggers on the app's User, ContextProfile and Profile tables record which
/// users' merges may have changed, in the module's own schema ({state}.changed_user); Sync-ProfileMigration re-merges
/// them. The old tables' rows are never written; on the app's schema only the triggers are added.
/// </summary>
public static class ChangeTracking
{
    public const string RowTrigger = "matchmade_record_change";
    public const string TruncateTrigger = "matchmade_record_truncate";

    /// <summary>The tables whose writes change a user's merge.</summary>
    public static IReadOnlyList<string> TrackedTables { get; } = [PrismaSchema.User, PrismaSchema.ContextProfile, PrismaSchema.Profile];

    /// <summary>
    /// Installs (or completes) tracking in one transaction: the change table and the function are (re)created, and only
    /// missing triggers are added, so a re-run takes no lock on the app's tables. Returns the triggers it created.
    /// </summary>
    public static int Install(NpgsqlConnection connection, SchemaNames schemas)
    {
        using var transaction = connection.BeginTransaction();
        var created = Install(connection, transaction, schemas);
        transaction.Commit();
        return created;
    }

    /// <summary>The same in the caller's transaction (Undo-ProfileMigration after a completion reinstalls tracking in its own).</summary>
    public static int Install(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas)
    {
        var (present, _, _) = Present(connection, transaction, schemas);
        Db.Execute(connection, transaction, SqlText.For("tracking-install.sql", schemas));
        var created = 0;
        foreach (var table in TrackedTables)
        {
            foreach (var (trigger, file) in new[] { (RowTrigger, "tracking-trigger-row.sql"), (TruncateTrigger, "tracking-trigger-truncate.sql") })
            {
                if (!present.Contains($"{table}:{trigger}"))
                {
                    Db.Execute(connection, transaction, SqlText.For(file, schemas, "{table}", table));
                    created++;
                }
            }
        }

        return created;
    }

    /// <summary>
    /// Undo: drops this schema's triggers and pending changes; the function and table when no schema uses them. A role
    /// that does not own the old tables cannot drop their triggers: then the function is made a no-op instead (the
    /// triggers record nothing) and a warning gives the owner the statements.
    /// </summary>
    public static void Remove(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, IOperationLog log)
    {
        var (present, tableExists, _) = Present(connection, transaction, schemas);
        transaction.Save("tracking");
        try
        {
            Db.Execute(connection, transaction, SqlText.For("tracking-remove.sql", schemas));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && present.Count > 0)
        {
            transaction.Rollback("tracking");
            Db.Execute(connection, transaction, SqlText.For("tracking-disarm.sql", schemas));
            var statements = present.Select(p => p.Split(':')).Select(p => $"DROP TRIGGER {p[1]} ON {schemas.AppQuoted}.{SqlText.Quote(p[0])};");
            log.Warning($"Change tracking is switched off, but its triggers stay on the old tables: dropping them needs their owner. As the owner, run: {string.Join(" ", statements)}");
        }

        if (!tableExists)
        {
            return;
        }

        using (var delete = new NpgsqlCommand($"DELETE FROM {schemas.StateQuoted}.changed_user WHERE app_schema = @app_schema", connection, transaction))
        {
            delete.Parameters.AddWithValue("app_schema", schemas.App);
            delete.ExecuteNonQuery();
        }

        using var inUse = new NpgsqlCommand(SqlText.Raw("tracking-in-use.sql"), connection, transaction);
        inUse.Parameters.AddWithValue("state", schemas.State);
        if ((long)inUse.ExecuteScalar()! == 0)
        {
            Db.Execute(connection, transaction, SqlText.For("tracking-drop-shared.sql", schemas));
        }
    }

    /// <summary>Installed = all six triggers present and the change table exists; with the pending users and the oldest change.</summary>
    public static TrackingState Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        var (present, tableExists, readable) = Present(connection, transaction, schemas);
        var installed = tableExists && present.Count == 2 * TrackedTables.Count;
        if (!readable)
        {
            return new TrackingState(installed, tableExists, tableExists ? null : 0, null);
        }

        if (!SchemaInspector.TablesPresent(connection, schemas.App, [PrismaSchema.ContextProfile], transaction).Contains(PrismaSchema.ContextProfile))
        {
            return new TrackingState(installed, tableExists, 0, null);
        }

        using var command = new NpgsqlCommand(SqlText.For("tracking-pending.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new TrackingState(installed, tableExists, reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static (HashSet<string> Triggers, bool TableExists, bool Readable) Present(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("tracking-present.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        command.Parameters.AddWithValue("tables", TrackedTables.ToArray());
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetFieldValue<string[]>(0).ToHashSet(StringComparer.Ordinal), reader.GetBoolean(1), reader.GetBoolean(2));
    }
}
