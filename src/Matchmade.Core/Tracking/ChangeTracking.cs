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
    /// The triggers are there but the record may miss changes (<see cref="ResetCauses"/>). Only -Full catches up.
    /// </summary>
    public bool Reset { get; init; }

    /// <summary>What a reset record means and what to do, as the sync, the PendingChanges check and the completion's gate say it.</summary>
    public static string ResetAdvice(string appSchema) =>
        $"The change record of schema '{appSchema}' may miss changes: {ResetCauses}. Run Sync-ProfileMigration -Full (reconciles every user and re-arms tracking)";

    /// <summary>What makes a record <see cref="Reset"/>.</summary>
    private const string ResetCauses =
        "the server's crash recovery emptied it (it is unlogged: docs/reliability.md), Undo-ProfileMigration stepped back from a completion "
        + "(the app's writes while the schema was completed were not tracked), Invoke-ProfileMigration put back a tracking trigger that had been "
        + "dropped or disabled or installed tracking after a run with -NoChangeTracking (the writes meanwhile were not tracked), "
        + "or a Sync-ProfileMigration -Full that re-arms it did not finish";

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

    /// <summary>Each table's row trigger function (in the module's schema): one per table, so a write runs only its own table's tests.</summary>
    private static readonly Dictionary<string, string> RowFunctions = new(StringComparer.Ordinal)
    {
        [PrismaSchema.User] = "record_user_change",
        [PrismaSchema.ContextProfile] = "record_context_profile_change",
        [PrismaSchema.Profile] = "record_profile_change",
    };

    private const string TruncateFunction = "record_truncate";

    /// <summary>
    /// Sequence numbers a session takes at once: nextval then skips the sequence's page (its lock and buffer) for 31
    /// writes in 32. The numbers are not in commit order either way; the sync never relies on their order
    /// (docs/decisions.md).
    /// </summary>
    private const int SequenceCache = 32;

    /// <summary>An earlier version's single row and TRUNCATE trigger function, replaced by Install.</summary>
    private const string EarlierFunction = "record_change";

    /// <summary>Every trigger function tracking has made (an earlier version's too), for Undo.</summary>
    private static string[] AllFunctions => [.. RowFunctions.Values, TruncateFunction, EarlierFunction];

    /// <summary>One of tracking's triggers as present: the module's function it calls ("" if another's) and whether it fires for the app's sessions (not disabled, not replica-only).</summary>
    private readonly record struct PresentTrigger(string Function, bool Fires);

    /// <summary>
    /// Installs (or completes) tracking in one transaction: the change table and the functions are (re)created, and only
    /// missing triggers (or an earlier version's) are added and disabled ones enabled, so a re-run takes no lock on the
    /// app's tables. Returns the triggers it created or enabled.
    /// </summary>
    public static int Install(NpgsqlConnection connection, SchemaNames schemas)
    {
        using var transaction = connection.BeginTransaction();
        var created = Install(connection, transaction, schemas);
        transaction.Commit();
        return created;
    }

    /// <summary>The same in the caller's transaction (Undo-ProfileMigration after a completion reinstalls tracking in its own, then <see cref="MarkNotWhole"/>).</summary>
    public static int Install(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas)
    {
        var before = Present(connection, transaction, schemas);
        Db.Execute(connection, transaction, SqlText.For("tracking-install.sql", schemas));
        ConvertEarlierTable(connection, transaction, schemas);
        var gap = ArmOrFindGap(connection, transaction, schemas, before.Triggers, before.MarkerExists);
        var created = 0;
        foreach (var table in TrackedTables)
        {
            foreach (var (trigger, file, function) in new[] { (RowTrigger, "tracking-trigger-row.sql", RowFunctions[table]), (TruncateTrigger, "tracking-trigger-truncate.sql", TruncateFunction) })
            {
                (string, string)[] names = [("{table}", SqlText.Quote(table)), ("{trigger}", SqlText.Quote(trigger)), ("{function}", SqlText.Quote(function))];
                var present = before.Triggers.TryGetValue($"{table}:{trigger}", out var found) ? found : (PresentTrigger?)null;
                created += PutBack(connection, transaction, schemas, present, function, file, names) ? 1 : 0;
            }
        }

        if (InUse(connection, transaction, schemas, [EarlierFunction]) == 0)
        {
            Db.Execute(connection, transaction, SqlText.For("tracking-drop-earlier.sql", schemas));
        }

        if (gap)
        {
            MarkNotWhole(connection, transaction, schemas);
        }

        return created;
    }

    /// <summary>
    /// Arms the record as whole on a first install; returns whether it has a gap (the app wrote while no trigger of this
    /// schema recorded it), which Install then marks (<see cref="MarkNotWhole"/>): a trigger missing or not firing while
    /// others are there (dropped, or ALTER TABLE ... DISABLE TRIGGER), all of them dropped while the marker row stayed,
    /// or no trigger yet with users migrated already (-NoChangeTracking, or a completion undone). Putting the triggers
    /// back does not bring those writes back. Only the marker missing is a crash's reset, which only -Full may clear.
    /// </summary>
    private static bool ArmOrFindGap(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, Dictionary<string, PresentTrigger> triggers, bool markerExists)
    {
        var gap = markerExists && triggers.Count > 0 && !AllFire(triggers);
        if (triggers.Count == 0 || !markerExists)
        {
            gap = !Arm(connection, transaction, schemas, complete: true).Inserted && triggers.Count == 0;
        }

        return gap || (triggers.Count == 0 && MigratedBefore(connection, transaction, schemas));
    }

    /// <summary>
    /// One tracking trigger as it must be: created when missing, enabled when it does not fire, made again when it calls
    /// an earlier version's function (the last two need the table's owner: a role with only TRIGGER leaves it). Returns
    /// whether it created or changed it.
    /// </summary>
    private static bool PutBack(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, PresentTrigger? present, string function, string file, (string, string)[] names)
    {
        if (present is null)
        {
            Db.Execute(connection, transaction, SqlText.For(file, schemas, names));
            return true;
        }

        if (present.Value.Function == function)
        {
            return !present.Value.Fires && Owned(connection, transaction, SqlText.For("tracking-trigger-enable.sql", schemas, names));
        }

        // An earlier version's trigger, made again with this version's function (it still records every write when left).
        if (!Owned(connection, transaction, SqlText.For("tracking-trigger-drop.sql", schemas, names)))
        {
            return false;
        }

        Db.Execute(connection, transaction, SqlText.For(file, schemas, names));
        return true;
    }

    /// <summary>Whether the module's record holds users of this schema (migrated before tracking was installed, when there is no trigger).</summary>
    private static bool MigratedBefore(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas)
    {
        if (SchemaInspector.TablesPresent(connection, schemas.State, ["migrated_user"], transaction).Count == 0)
        {
            return false;
        }

        using var command = new NpgsqlCommand(SqlText.For("tracking-migrated-before.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        return (bool)command.ExecuteScalar()!;
    }

    /// <summary>All six triggers present and firing for the app's sessions.</summary>
    private static bool AllFire(Dictionary<string, PresentTrigger> triggers) =>
        triggers.Count(t => t.Value.Fires) == 2 * TrackedTables.Count;

    /// <summary>
    /// A statement only the table's owner may run (enabling or dropping a trigger), in a savepoint: false for a role
    /// with only the TRIGGER privilege, which leaves the trigger as it is.
    /// </summary>
    private static bool Owned(NpgsqlConnection connection, NpgsqlTransaction transaction, string statement)
    {
        transaction.Save("trigger");
        try
        {
            Db.Execute(connection, transaction, statement);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            transaction.Rollback("trigger");
            return false;
        }

        transaction.Release("trigger");
        return true;
    }

    /// <summary>
    /// An earlier version's change table: made unlogged and without its primary key, once, keeping its rows (no lock on
    /// it when it already is); and its sequence made to cache <see cref="SequenceCache"/> values per session (a new
    /// table's too: CREATE TABLE cannot say it for a bigserial).
    /// </summary>
    private static void ConvertEarlierTable(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas)
    {
        bool logged;
        string? primaryKey;
        long cache;
        using (var command = new NpgsqlCommand(SqlText.Raw("tracking-earlier.sql"), connection, transaction))
        {
            command.Parameters.AddWithValue("state", schemas.State);
            using var reader = command.ExecuteReader();
            reader.Read();
            logged = reader.GetBoolean(0);
            primaryKey = reader.IsDBNull(1) ? null : reader.GetString(1);
            cache = reader.GetInt64(2);
        }

        if (cache != SequenceCache)
        {
            Db.Execute(connection, transaction, $"ALTER SEQUENCE {schemas.StateQuoted}.changed_user_seq_seq CACHE {SequenceCache}");
        }

        if (primaryKey is not null)
        {
            Db.Execute(connection, transaction, $"ALTER TABLE {schemas.StateQuoted}.changed_user DROP CONSTRAINT {SqlText.Quote(primaryKey)}");
        }

        if (logged)
        {
            Db.Execute(connection, transaction, $"ALTER TABLE {schemas.StateQuoted}.changed_user SET UNLOGGED");
        }
    }

    /// <summary>
    /// Undo: drops this schema's triggers and pending changes; the functions (an earlier version's too) and the table
    /// when no schema uses them. A role that does not own the old tables cannot drop their triggers: then the functions
    /// they call are made no-ops instead (the triggers record nothing) and a warning gives the owner the statements.
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
            foreach (var function in present.Values.Select(t => t.Function).Where(f => f.Length > 0).Distinct(StringComparer.Ordinal))
            {
                Db.Execute(connection, transaction, SqlText.For("tracking-disarm.sql", schemas, [("{function}", SqlText.Quote(function))]));
            }

            var statements = present.Keys.Select(p => p.Split(':')).Select(p => $"DROP TRIGGER {p[1]} ON {schemas.AppQuoted}.{SqlText.Quote(p[0])};");
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

        if (InUse(connection, transaction, schemas, AllFunctions) == 0)
        {
            Db.Execute(connection, transaction, SqlText.For("tracking-drop-shared.sql", schemas));
        }
    }

    /// <summary>The triggers (of any app schema) calling one of these trigger functions of the module's.</summary>
    private static long InUse(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, string[] functions)
    {
        using var inUse = new NpgsqlCommand(SqlText.Raw("tracking-in-use.sql"), connection, transaction);
        inUse.Parameters.AddWithValue("state", schemas.State);
        inUse.Parameters.AddWithValue("functions", functions);
        return (long)inUse.ExecuteScalar()!;
    }

    /// <summary>
    /// Installed = all six triggers present and firing, the change table exists and its record is whole (the marker); with the
    /// pending users and the oldest change. On a standby nothing of the unlogged tables is read (it would fail).
    /// Without <paramref name="countPending"/> (a sync, whose claim counts them anyway) PendingUsers and the oldest change are null.
    /// </summary>
    public static TrackingState Read(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas, bool countPending = true)
    {
        var (present, tableExists, readable, markerExists, inRecovery) = Present(connection, transaction, schemas);
        var triggers = tableExists && AllFire(present);
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
    /// Undo-ProfileMigration after a completion, once it has installed tracking again: the app's writes while the schema
    /// was completed (users and contexts created, deleted, reordered; the new tables written) were not recorded, so the
    /// record starts reset, as after a crash: status says Reset, a plain sync and the PendingChanges check ask for -Full,
    /// whose reconciliation finds those users and confirms the record whole. Install too, when it puts back a trigger
    /// that was dropped or disabled.
    /// </summary>
    public static void MarkNotWhole(NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.For("tracking-marker-reset.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Sync-ProfileMigration -Full, before it reconciles: the marker row (unconfirmed when missing). Returns its token
    /// for <see cref="ConfirmWhole"/>, or null without a change table.
    /// </summary>
    public static DateTime? ArmForFull(NpgsqlConnection connection, SchemaNames schemas)
    {
        var (_, tableExists, _, markerExists, _) = Present(connection, null, schemas);
        return tableExists && markerExists ? Arm(connection, null, schemas, complete: false).ArmedAt : null;
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

    /// <summary>The schema's marker row, written unless present: its armed_at, and whether this wrote it.</summary>
    private static (DateTime ArmedAt, bool Inserted) Arm(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas, bool complete)
    {
        using var command = new NpgsqlCommand(SqlText.For("tracking-marker-arm.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.Parameters.AddWithValue("complete", complete);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetDateTime(0), reader.GetBoolean(1));
    }

    /// <summary>Triggers: "table:trigger" of those present, each with the module's function it calls ("" if another's) and whether it fires.</summary>
    private static (Dictionary<string, PresentTrigger> Triggers, bool TableExists, bool Readable, bool MarkerExists, bool InRecovery) Present(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.Raw("tracking-present.sql"), connection, transaction);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        command.Parameters.AddWithValue("tables", TrackedTables.ToArray());
        using var reader = command.ExecuteReader();
        reader.Read();
        var triggers = reader.GetFieldValue<string[]>(0).Select(t => t.Split(':')).ToDictionary(t => $"{t[0]}:{t[1]}", t => new PresentTrigger(t[2], t[3] is "O" or "A"), StringComparer.Ordinal);
        return (triggers, reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4));
    }
}
