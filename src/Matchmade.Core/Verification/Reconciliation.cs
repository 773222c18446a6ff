using System.Globalization;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Verification;

/// <summary>A user's stored ProfileNew, ids and timestamps aside; <see cref="Shared"/> is aligned with <see cref="FieldCatalog.SharedFields"/>.</summary>
internal sealed record StoredProfile(string?[] Shared, int Completeness, string[]? Missing);

/// <summary>A stored ContextIntent; <see cref="Values"/> is aligned with <see cref="FieldCatalog.IntentColumns"/>.</summary>
internal sealed record StoredIntent(ContextType ContextType, int Completeness, string[]? Missing, string?[] Values);

/// <summary>A batch of old rows with the new rows stored for the same users (same snapshot).</summary>
internal sealed record ReconcileBatch(BatchReader.Batch Old, Dictionary<string, StoredProfile> Profiles, Dictionary<string, List<StoredIntent>> Intents) : IKeysetBatch
{
    public int IdsRead => Old.IdsRead;

    public string LastUserId => Old.LastUserId;

    public int UserCount => Old.Users.Count;
}

/// <summary>
/// The reconciliation and nothing-lost checks: a batch pipeline over every user (old rows and stored rows read ahead
/// on the snapshot's connection) whose sink recomputes each user's rows with the migration's rules, on every core,
/// and compares them field by field.
/// </summary>
internal static class Reconciliation
{
    // Reads only (no commits to amortise): a smaller batch keeps two batches of old and stored rows in memory at once cheaply.
    private const int BatchSize = 2000;

    public static (IntegrityCheckResult Reconciliation, IntegrityCheckResult NothingLost) Run(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, ProfileTables tables, IReadOnlyCollection<string>? userIds, IOperationLog log, CancellationToken stop, List<string>? allDiffering = null)
    {
        var old = new OldRowsSource(new BatchReader(schemas, targetExists: true, userIds, force: true, tables), connection, transaction, null, new BatchBudget(MigrationOptions.DefaultBatchBytes));
        var sink = new ReconciliationSink(tables, log, stop, allDiffering);
        new BatchPipeline<ReconcileBatch>(new StoredRowsSource(old, connection, transaction, schemas, tables), sink) { BatchSize = BatchSize }.Run(stop);
        stop.ThrowIfCancellationRequested();
        log.Progress(new OperationProgress(sink.Activity, "done", 100, null, Completed: true));
        return sink.Results(givenUsers: userIds is not null);
    }

    private sealed class StoredRowsSource(IBatchSource<BatchReader.Batch> old, NpgsqlConnection connection, NpgsqlTransaction transaction, SchemaNames schemas, ProfileTables tables) : IBatchSource<ReconcileBatch>
    {
        private readonly string profilesSql = tables.Sql("stored-profiles.sql", schemas);
        private readonly string intentsSql = SqlText.For("stored-intents.sql", schemas).Replace(
            "{intent_columns}",
            string.Join(", ", FieldCatalog.IntentColumns.Select(c => SqlText.Quote(c) + (FieldCatalog.IsJsonIntentColumn(c) ? "::text" : string.Empty))),
            StringComparison.Ordinal);

        public ReconcileBatch Read(string? after, int limit)
        {
            var read = old.Read(after, limit);
            var ids = read.Users.Select(u => u.Source.UserId).ToArray();
            return read.IdsRead == 0 ? new(read, [], []) : new(read, ReadProfiles(ids), ReadIntents(ids));
        }

        private Dictionary<string, StoredProfile> ReadProfiles(string[] ids)
        {
            var result = new Dictionary<string, StoredProfile>(ids.Length, StringComparer.Ordinal);
            using var command = new NpgsqlCommand(profilesSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
            using var reader = command.ExecuteReader();
            var fields = FieldCatalog.SharedFields.Count;
            while (reader.Read())
            {
                var shared = new string?[fields];
                for (var i = 0; i < fields; i++)
                {
                    shared[i] = reader.IsDBNull(1 + i) ? null : reader.GetString(1 + i);
                }

                result[reader.GetString(0)] = new StoredProfile(shared, reader.GetInt32(1 + fields), reader.IsDBNull(2 + fields) ? null : reader.GetFieldValue<string[]>(2 + fields));
            }

            return result;
        }

        private Dictionary<string, List<StoredIntent>> ReadIntents(string[] ids)
        {
            var result = new Dictionary<string, List<StoredIntent>>(ids.Length, StringComparer.Ordinal);
            using var command = new NpgsqlCommand(intentsSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var values = new string?[FieldCatalog.IntentColumns.Count];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = reader.IsDBNull(4 + i) ? null : reader.GetString(4 + i);
                }

                var userId = reader.GetString(0);
                if (!result.TryGetValue(userId, out var list))
                {
                    result[userId] = list = [];
                }

                list.Add(new StoredIntent(ContextTypes.Parse(reader.GetString(1)), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<string[]>(3), values));
            }

            return result;
        }
    }

    /// <summary>
    /// Compares each batch on every core and keeps the totals and the first differences, in user order. With
    /// <paramref name="allDiffering"/> (Sync-ProfileMigration -Full, a completion without tracking), it also collects every
    /// user whose stored rows are not what the rules compute now, users not migrated yet included: a sync rebuilds them all.
    /// </summary>
    private sealed class ReconciliationSink(ProfileTables tables, IOperationLog log, CancellationToken stop, List<string>? allDiffering) : IBatchSink<ReconcileBatch>
    {
        /// <summary>After the completion the old rows are the archive's, not the old tables'.</summary>
        public string Activity => $"Reconciling every user with {tables.OldSource}";
        private const int MaxDifferences = 10;
        private readonly List<string> differences = [], lost = [], differingUsers = [], losingUsers = [];
        private long users, differing, losing, keys, notMigrated;

        public void Accept(ReconcileBatch batch)
        {
            // The results are taken in user order, so the first differences named are the same whatever the machine.
            // A user with no new rows at all is not migrated yet (a canary, a run in progress): null, neither lost nor different.
            var outcomes = new (List<string> Differences, long Keys, List<string> Lost)?[batch.Old.Users.Count];
            Parallel.For(0, outcomes.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = stop }, i =>
            {
                var user = batch.Old.Users[i].Source;
                var profile = batch.Profiles.GetValueOrDefault(user.UserId);
                var stored = batch.Intents.GetValueOrDefault(user.UserId);
                if (profile is null && stored is null)
                {
                    return;
                }

                var expected = ProfileMerger.Merge(user);
                var (userKeys, userLost) = UserComparison.Account(user, expected, profile, stored);
                outcomes[i] = (UserComparison.Compare(user.UserId, expected, profile, stored), userKeys, userLost);
            });
            for (var i = 0; i < outcomes.Length; i++)
            {
                Tally(batch.Old.Users[i].Source.UserId, outcomes[i]);
            }

            log.Progress(new OperationProgress(Activity, string.Create(CultureInfo.InvariantCulture, $"{users:N0} users compared, {differing:N0} differ"), -1, null));
        }

        /// <summary>
        /// The two checks' results. Users not migrated yet are said as such (a warning), not counted as different or
        /// lost: after a canary they are most users.
        /// </summary>
        public (IntegrityCheckResult, IntegrityCheckResult) Results(bool givenUsers)
        {
            var scope = givenUsers ? "of the given users" : "users";
            var compared = notMigrated == 0 ? string.Create(CultureInfo.InvariantCulture, $"{users} {scope}")
                : string.Create(CultureInfo.InvariantCulture, $"{users - notMigrated} migrated {(givenUsers ? "given users" : "users")}");
            var pending = notMigrated == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; {notMigrated} not migrated yet");
            var pendingDetail = notMigrated == 0 ? string.Empty
                : tables.Completed ? string.Create(CultureInfo.InvariantCulture, $" {notMigrated:N0} {scope} have no Profile and no ContextIntent (users the app created since the completion without them?).")
                : string.Create(CultureInfo.InvariantCulture, $" {notMigrated:N0} {scope} are not migrated yet (no ProfileNew): run Invoke-ProfileMigration to finish, then check again.");
            // After the completion the app writes the new tables itself: its changes since then are differences from the archive too.
            var since = tables.Completed && differing > 0 ? " After the completion the app writes Profile and ContextIntent itself: a user it changed since differs from the archive by that change." : string.Empty;
            return (
                new IntegrityCheckResult(
                    "Reconciliation",
                    differing == 0 && notMigrated == 0,
                    Severity(differing),
                    string.Create(CultureInfo.InvariantCulture, $"{differing} of {compared} differ{pending}"),
                    "0 differ",
                    (differing == 0 ? $"All {compared} have exactly the rows the rules compute from {tables.OldSource}." : "First differences: " + string.Join("; ", differences) + since) + pendingDetail,
                    differingUsers),
                new IntegrityCheckResult(
                    "NothingLost",
                    losing == 0 && notMigrated == 0,
                    Severity(losing),
                    string.Create(CultureInfo.InvariantCulture, $"{losing} of {compared} lost keys{pending}"),
                    "0 lost",
                    (losing == 0 ? string.Create(CultureInfo.InvariantCulture, $"All {keys:N0} keys of the migrated users' old blobs{(tables.Completed ? " (in the archive)" : string.Empty)} are in a column, a conflict, the unmapped list or the invalid list.") : "First losses: " + string.Join("; ", lost)) + pendingDetail,
                    losingUsers));
        }

        private CheckSeverity Severity(long damaged) =>
            damaged > 0 ? CheckSeverity.Error : notMigrated > 0 ? CheckSeverity.Warning : CheckSeverity.Info;

        private void Tally(string userId, (List<string> Differences, long Keys, List<string> Lost)? compared)
        {
            users++;
            if (compared is not { } outcome)
            {
                notMigrated++;
                allDiffering?.Add(userId);
                return;
            }

            if (outcome.Differences.Count > 0)
            {
                differing++;
                allDiffering?.Add(userId);
                Add(differingUsers, userId, 5);
                outcome.Differences.ForEach(d => Add(differences, d, MaxDifferences));
            }

            keys += outcome.Keys;
            if (outcome.Lost.Count > 0)
            {
                losing++;
                Add(losingUsers, userId, 5);
                outcome.Lost.ForEach(l => Add(lost, l, MaxDifferences));
            }
        }

        private static void Add(List<string> list, string item, int max)
        {
            if (list.Count < max)
            {
                list.Add(item);
            }
        }
    }
}
