using Matchmade.Core.Connection;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Tracking;

/// <summary>
/// Where tracking stands for one app schema. Installed: the six triggers, the change table and a whole record (not
/// <see cref="Reset"/>). PendingUsers is null when this role may not read the change table, or on a standby.
/// </summary>
public sealed record TrackingState(bool Installed, bool TableExists, long? PendingUsers, DateTimeOffset? OldestPendingChange)
{
    /// <summary>
    /// The triggers are there but the record may miss changes: crash recovery emptied the unlogged change table (or a
    /// Sync-ProfileMigration -Full that re-arms it has not finished). Only -Full catches up.
    /// </summary>
    public bool Reset { get; init; }

    /// <summary>Connected to a standby (in recovery): the unlogged change table cannot be read there, so nothing is known of pending changes.</summary>
    public bool OnStandby { get; init; }

    /// <summary>For status: Installed, NotInstalled, Reset or Unknown (a standby).</summary>
    public string Status => OnStandby ? "Unknown" : Reset ? "Reset" : Installed ? "Installed" : "NotInstalled";

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
        var before = Present(connection, transaction, schemas);
        Db.Execute(connection, transaction, SqlText.For("tracking-install.sql", schemas));
        using (var logged = new NpgsqlCommand(SqlText.Raw("tracking-logged.sql"), connection, transaction))
        {
            logged.Parameters.AddWithValue("state", schemas.State);
            if ((bool)logged.ExecuteScalar()!)
            {
                Db.Execute(connection, transaction, $"ALTER TABLE {schemas.StateQuoted}.changed_user SET UNLOGGED");
            }
        }

        if (before.Triggers.Count == 0 || !before.MarkerExists)
        {
            // A first install for this schema (or over an earlier version's logged table): the record is whole from here.
            // Not when only the marker is missing: that is a crash's reset, which only -Full may clear.
            Arm(connection, transaction, schemas, complete: true);
        }

        var present = before.Triggers;
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
        var (present, tableExists, _, markerExists, _) = Present(connection, transaction, schemas);
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

        if (markerExists)
        {
            using var unmark = new NpgsqlCommand($"DELETE FROM {schemas.StateQuoted}.tracking_marker WHERE app_schema = @app_schema", connection, transaction);
            unmark.Parameters.AddWithValue("app_schema", schemas.App);
            unmark.ExecuteNonQuery();
        }

        using var inUse = new NpgsqlCommand(SqlText.Raw("tracking-in-use.sql"), connection, transaction);
        inUse.Parameters.AddWithValue("state", schemas.State);
        if ((long)inUse.ExecuteScalar()! == 0)
        {
            Db.Execute(connection, transaction, SqlText.For("tracking-drop-shared.sql", schemas));
        }
    }

    /// <summary>
    /// Installed = all six triggers present, the change table exists and its record is whole (the marker); with the
    /// pending users and the oldest change. On a standby nothing of the unlogged tables is read (it would fail).
    /// Without <paramref name="countPending"/> (a sync, whose claim counts them anyway) PendingUsers and the oldest change are null.
    /// </summary>
    public static TrackingState Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas, bool countPending = true)
    {
        var (present, tableExists, readable, markerExists, inRecovery) = Present(connection, transaction, schemas);
        var triggers = tableExists && present.Count == 2 * TrackedTables.Count;
        if (inRecovery)
        {
            return new TrackingState(triggers, tableExists, null, null) { OnStandby = true };
        }

        if (!readable)
        {
            return new TrackingState(triggers, tableExists, tableExists ? null : 0, null);
        }

        var reset = tableExists && markerExists && !Whole(connection, transaction, schemas);
        if (!countPending)
        {
            return new TrackingState(triggers && !reset, tableExists, null, null) { Reset = reset };
        }

        if (!SchemaInspector.TablesPresent(connection, schemas.App, [PrismaSchema.ContextProfile], transaction).Contains(PrismaSchema.ContextProfile))
        {
            return new TrackingState(triggers && !reset, tableExists, 0, null) { Reset = reset };
        }

        using var command = new NpgsqlCommand(SqlText.For("tracking-pending.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = command.ExecuteReader();
        reader.Read();
        return new TrackingState(triggers && !reset, tableExists, reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1)) { Reset = reset };
    }

    /// <summary>
    /// Sync-ProfileMigration -Full, before it reconciles: the marker row (unconfirmed when missing). Returns its token
    /// for <see cref="ConfirmWhole"/>, or null without a change table.
    /// </summary>
    public static DateTime? ArmForFull(NpgsqlConnection connection, SchemaNames schemas)
    {
        var (_, tableExists, _, markerExists, _) = Present(connection, null, schemas);
        return tableExists && markerExists ? Arm(connection, null, schemas, complete: false) : null;
    }

    /// <summary>-Full reconciled every user: the record is whole, unless a crash emptied it since <paramref name="armedAt"/> (false).</summary>
    public static bool ConfirmWhole(NpgsqlConnection connection, SchemaNames schemas, DateTime armedAt)
    {
        using var command = new NpgsqlCommand(SqlText.For("tracking-marker-confirm.sql", schemas), connection);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.Parameters.AddWithValue("armed_at", armedAt);
        return command.ExecuteNonQuery() == 1;
    }

    private static bool Whole(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.For("tracking-marker-read.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        return (bool)command.ExecuteScalar()!;
    }

    private static DateTime Arm(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas, bool complete)
    {
        using var command = new NpgsqlCommand(SqlText.For("tracking-marker-arm.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.Parameters.AddWithValue("complete", complete);
        return (DateTime)command.ExecuteScalar()!;
    }

    private static (HashSet<string> Triggers, bool TableExists, bool Readable, bool MarkerExists, bool InRecovery) Present(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("tracking-present.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        command.Parameters.AddWithValue("tables", TrackedTables.ToArray());
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetFieldValue<string[]>(0).ToHashSet(StringComparer.Ordinal), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4));
    }
}
