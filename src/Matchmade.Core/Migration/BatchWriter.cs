using Matchmade.Core.Merge;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Connection;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Migration;

/// <summary>
/// A user's new rows, ready to write: the merge's output with fresh ids, encoded for COPY (<see cref="CopyRows"/>:
/// UTF-8, half the memory of the merge's strings while the batch waits), and the context type of each ContextIntent.
/// </summary>
public sealed record PreparedUser(string UserId, string ProfileId, CopyRows ProfileRow, CopyRows IntentRows, IReadOnlyList<ContextType> Intents);

/// <summary>
/// Writes prepared users with binary COPY: a few statements per batch whatever its size. Column lists come from
/// <see cref="ExpectedSchema"/> (itself built on <see cref="FieldCatalog"/>), so no column is named twice.
/// </summary>
public sealed class BatchWriter
{
    private enum Slot { Id, UserId, ContextType, Completeness, Missing, CreatedAt, UpdatedAt, Json, Text, IntentField }

    private static readonly (Slot Slot, string Name, int Index)[] ProfileSlots = [.. ExpectedSchema.ProfileNewColumns.Select(c => SlotOf(c, isIntent: false))];
    private static readonly (Slot Slot, string Name, int Index)[] IntentSlots = [.. ExpectedSchema.ContextIntentColumns.Select(c => SlotOf(c, isIntent: true))];

    private readonly SchemaNames schemas;
    private readonly string copyProfiles;
    private readonly string copyIntents;
    private readonly string copyStageProfiles;
    private readonly string copyStageIntents;
    private readonly string copyUsers;
    private readonly string[] stageTables;
    private readonly string[] upsertIntentsThenProfiles;
    private readonly string settle;
    private readonly string forgetStale;

    public BatchWriter(SchemaNames schemas)
    {
        this.schemas = schemas;
        var profileColumns = string.Join(", ", ExpectedSchema.ProfileNewColumns.Select(c => SqlText.Quote(c.Name)));
        var intentColumns = string.Join(", ", ExpectedSchema.ContextIntentColumns.Select(c => SqlText.Quote(c.Name)));
        copyProfiles = $"COPY {schemas.AppQuoted}.{SqlText.Quote(PrismaSchema.ProfileNew)} ({profileColumns}) FROM STDIN (FORMAT BINARY)";
        copyIntents = $"COPY {schemas.AppQuoted}.{SqlText.Quote(PrismaSchema.ContextIntent)} ({intentColumns}) FROM STDIN (FORMAT BINARY)";
        copyStageProfiles = $"COPY pg_temp.mm_stage_profile ({profileColumns}) FROM STDIN (FORMAT BINARY)";
        copyStageIntents = $"COPY pg_temp.mm_stage_intent ({intentColumns}) FROM STDIN (FORMAT BINARY)";
        copyUsers = $"COPY {schemas.StateQuoted}.migrated_user (app_schema, user_id, run_id, profile_id, intent_count, migrated_at) FROM STDIN (FORMAT BINARY)";
        stageTables = SqlText.StatementsFor("stage-tables.sql", schemas);
        upsertIntentsThenProfiles = [
            .. Fill(
                "upsert-intents.sql", ExpectedSchema.ContextIntentColumns, intentColumns,
                ("{intent_values}", DiffersFromStaged(ExpectedSchema.ContextIntentColumns, "EXCLUDED")),
                ("{intent_owned}", RowOwnership.Owned("t", "t.xmin", "m.xmin", "m.kept_by", "m.migrated_at"))),
            .. Fill(
                "upsert-profile.sql", ExpectedSchema.ProfileNewColumns, profileColumns,
                ("{profile_values}", DiffersFromStaged(ExpectedSchema.ProfileNewColumns, "EXCLUDED")),
                ("{profile_owned}", RowOwnership.Owned("t", "t.xmin", "m.xmin", "m.kept_by", "m.migrated_at"))),
        ];
        forgetStale = SqlText.For("migrated-stale.sql", schemas);
        settle = SqlText.For("upsert-settled.sql", schemas, [
            ("{profile_values}", DiffersFromStaged(ExpectedSchema.ProfileNewColumns, "s")),
            ("{intent_values}", DiffersFromStaged(ExpectedSchema.ContextIntentColumns, "s")),
            ("{profile_owned}", RowOwnership.Owned("t", "t.xmin", "m.written_by", "m.kept_by", "m.migrated_at")),
            ("{intent_owned}", RowOwnership.Owned("t", "t.row_xmin", "t.written_by", "t.kept_by", "t.migrated_at")),
        ]);
    }

    /// <summary>Inserts users that have no new rows yet.</summary>
    public void Insert(NpgsqlConnection connection, IReadOnlyList<PreparedUser> users, Guid runId, DateTime now, CancellationToken cancellationToken)
    {
        CopyProfiles(connection, copyProfiles, users, now, cancellationToken);
        CopyIntents(connection, copyIntents, users, now, cancellationToken);
        CopyMigratedUsers(connection, users, runId, now, cancellationToken);
    }

    /// <summary>
    /// Removes the module's record of a user whose new rows are gone (migrated-stale.sql), so that the user can be
    /// inserted again; false when the user still has a ProfileNew (the conflict is another one).
    /// </summary>
    public bool ForgetStaleRecord(NpgsqlConnection connection, NpgsqlTransaction transaction, string userId)
    {
        using var command = new NpgsqlCommand(forgetStale, connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.Parameters.AddWithValue("user_id", userId);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>
    /// -Force and the sync: rebuilds users' rows in place (ids and createdAt kept; ContextIntents of vanished contexts
    /// removed; ContextIntents already the merge's and the module's left as they are, their xmin recorded in kept_by:
    /// upsert-intents.sql, upsert-profile.sql). With <paramref name="leaveSettled"/>, users whose rows already are the
    /// merge's and the module's own are left alone (upsert-settled.sql): worth it where most users come out unchanged
    /// (-Force over migrated users), a cost where most differ (the sync's changed users: it adds about a third to their
    /// rewrite). Returns how many users were left alone.
    /// </summary>
    public int Upsert(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PreparedUser> users, Guid runId, DateTime now, bool leaveSettled, CancellationToken cancellationToken)
    {
        Db.ExecuteEach(connection, transaction, stageTables);
        CopyProfiles(connection, copyStageProfiles, users, now, cancellationToken);
        CopyIntents(connection, copyStageIntents, users, now, cancellationToken);
        var rewrite = leaveSettled ? Unsettled(connection, transaction, users) : users;
        if (rewrite.Count == 0)
        {
            return users.Count;
        }

        // The ContextIntents first (upsert-intents.sql), so that the ProfileNew statement (upsert-profile.sql) can
        // record the ones left alone.
        Db.ExecuteEach(connection, transaction, upsertIntentsThenProfiles, parameters =>
        {
            parameters.AddWithValue("user_ids", rewrite.Select(u => u.UserId).ToArray());
            parameters.AddWithValue("app_schema", schemas.App);
            parameters.AddWithValue("run_id", runId);
            parameters.AddWithValue("migrated_at", now);
            parameters.AddWithValue("intent_counts", rewrite.Select(u => u.Intents.Count).ToArray());
        });
        return users.Count - rewrite.Count;
    }

    /// <summary>Removes the settled users from the staging tables; returns the users left to rewrite.</summary>
    private List<PreparedUser> Unsettled(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PreparedUser> users)
    {
        using var command = new NpgsqlCommand(settle, connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        var settled = Db.Strings(command, new HashSet<string>(StringComparer.Ordinal));
        return [.. users.Where(u => !settled.Contains(u.UserId))];
    }

    /// <summary>The columns a rebuild in place never rewrites: the row's keys and its createdAt.</summary>
    private static bool KeptByRebuild(ExpectedColumn column) => column.Name is "id" or "userId" or "contextType" or "createdAt";

    /// <summary>
    /// "The stored row's (alias t) content differs from the staged one's (alias <paramref name="staged"/>)", over the
    /// columns that are not keys or timestamps.
    /// </summary>
    private static string DiffersFromStaged(IEnumerable<ExpectedColumn> columns, string staged)
    {
        var compared = columns.Where(c => !KeptByRebuild(c) && c.Name != "updatedAt").Select(c => SqlText.Quote(c.Name)).ToList();
        return $"({string.Join(", ", compared.Select(c => "t." + c))}) IS DISTINCT FROM ({string.Join(", ", compared.Select(c => staged + "." + c))})";
    }

    /// <summary>A user's merged rows with fresh ids (ContextIntents' first, then ProfileNew's), encoded for COPY.</summary>
    public static PreparedUser Prepare(string userId, MergeResult result)
    {
        var encoder = CopyRows.Encoder.Current;
        encoder.Clear();
        var types = new ContextType[result.Intents.Count];
        for (var k = 0; k < types.Length; k++)
        {
            var intent = result.Intents[k];
            types[k] = intent.ContextType;
            EncodeIntent(encoder, Cuid.Next(), userId, intent);
        }

        var intentRows = encoder.Take();
        var profileId = Cuid.Next();
        EncodeProfile(encoder, profileId, userId, result.Profile);
        return new PreparedUser(userId, profileId, encoder.Take(), intentRows, types);
    }

    private static void CopyProfiles(NpgsqlConnection connection, string copy, IReadOnlyList<PreparedUser> users, DateTime now, CancellationToken cancellationToken) =>
        CopyRows.Write(connection, copy, users.Select(u => u.ProfileRow), now, cancellationToken);

    private static void CopyIntents(NpgsqlConnection connection, string copy, IReadOnlyList<PreparedUser> users, DateTime now, CancellationToken cancellationToken) =>
        CopyRows.Write(connection, copy, users.Select(u => u.IntentRows), now, cancellationToken);

    private static void EncodeProfile(CopyRows.Encoder encoder, string id, string userId, MergedProfile p)
    {
        encoder.StartRow(ProfileSlots.Length);
        foreach (var (slot, name, _) in ProfileSlots)
        {
            switch (slot)
            {
                case Slot.Id: encoder.Text(id); break;
                case Slot.UserId: encoder.Text(userId); break;
                case Slot.Completeness: encoder.Int(p.Completeness); break;
                case Slot.Missing: encoder.TextArray(p.Missing); break;
                case Slot.CreatedAt or Slot.UpdatedAt: encoder.Stamp(); break;
                case Slot.Json: encoder.Jsonb(p[name]!); break;
                case Slot.Text: encoder.Text(p[name]); break;
                default: throw new InvalidOperationException($"ProfileNew column {name} has no writer.");
            }
        }
    }

    private static void EncodeIntent(CopyRows.Encoder encoder, string id, string userId, MergedIntent intent)
    {
        encoder.StartRow(IntentSlots.Length);
        foreach (var (slot, name, index) in IntentSlots)
        {
            switch (slot)
            {
                case Slot.Id: encoder.Text(id); break;
                case Slot.UserId: encoder.Text(userId); break;
                // The enum's binary form is its label, so a text value COPYs into it without a type mapping.
                case Slot.ContextType: encoder.Text(ContextTypes.ToDbName(intent.ContextType)); break;
                case Slot.Completeness: encoder.Int(intent.Completeness); break;
                case Slot.Missing: encoder.TextArray(intent.Missing); break;
                case Slot.CreatedAt or Slot.UpdatedAt: encoder.Stamp(); break;
                case Slot.IntentField when FieldCatalog.IsJsonIntentColumn(name): encoder.Jsonb(intent.Values[index]); break;
                case Slot.IntentField: encoder.Text(intent.Values[index]); break;
                default: throw new InvalidOperationException($"ContextIntent column {name} has no writer.");
            }
        }
    }

    private void CopyMigratedUsers(NpgsqlConnection connection, IReadOnlyList<PreparedUser> users, Guid runId, DateTime now, CancellationToken cancellationToken)
    {
        using var importer = connection.BeginBinaryImport(copyUsers);
        foreach (var user in users)
        {
            importer.StartRow();
            importer.Write(schemas.App, NpgsqlDbType.Text);
            importer.Write(user.UserId, NpgsqlDbType.Text);
            importer.Write(runId, NpgsqlDbType.Uuid);
            importer.Write(user.ProfileId, NpgsqlDbType.Text);
            importer.Write(user.Intents.Count, NpgsqlDbType.Integer);
            importer.Write(now, NpgsqlDbType.Timestamp);
        }

        cancellationToken.ThrowIfCancellationRequested();
        importer.Complete();
    }

    private static (Slot, string, int) SlotOf(ExpectedColumn column, bool isIntent)
    {
        var slot = column.Name switch
        {
            "id" => Slot.Id,
            "userId" => Slot.UserId,
            "contextType" => Slot.ContextType,
            "completeness" => Slot.Completeness,
            "missing" => Slot.Missing,
            "createdAt" => Slot.CreatedAt,
            "updatedAt" => Slot.UpdatedAt,
            _ when isIntent => Slot.IntentField,
            _ => column.UdtName == "jsonb" ? Slot.Json : Slot.Text,
        };
        var index = slot == Slot.IntentField ? IndexOf(FieldCatalog.IntentColumns, column.Name) : -1;
        return (slot, column.Name, index);
    }

    private static int IndexOf(IReadOnlyList<string> list, string name)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"{name} is not a ContextIntent column of the field catalog.");
    }

    /// <summary>An upsert file with its column list, its SET list (every column a rebuild rewrites) and <paramref name="more"/> filled in.</summary>
    private string[] Fill(string file, IEnumerable<ExpectedColumn> columns, string columnList, params (string Placeholder, string Fragment)[] more)
    {
        var updates = string.Join(", ", columns
            .Where(c => !KeptByRebuild(c))
            .Select(c => $"{SqlText.Quote(c.Name)} = EXCLUDED.{SqlText.Quote(c.Name)}"));
        return SqlText.StatementsFor(file, schemas, [("{columns}", columnList), ("{updates}", updates), .. more]);
    }

    /// <summary>The write time for createdAt/updatedAt: UTC to the millisecond, as Prisma stores TIMESTAMP(3).</summary>
    public static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Unspecified);
    }
}
