using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Tracking;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Verification;

/// <summary>
/// Test-MigrationIntegrity's engine. Everything runs in one REPEATABLE READ, READ ONLY transaction, so all checks see
/// the same snapshot and nothing can be written. The seed's checks are set-based queries; the reconciliation and
/// nothing-lost checks stream the users in batches (by index, like the migration) and recompute each user's rows
/// with the same rules the migration used.
/// </summary>
public sealed class IntegrityChecker(DatabaseTarget target, IOperationLog log)
{
    private const int MaxDifferences = 10;
    // Reads only (no commits to amortise): a smaller batch keeps two batches of old and stored rows in memory at once cheaply.
    private const int BatchSize = 2000;

    public IEnumerable<IntegrityCheckResult> Run(IReadOnlyCollection<string>? checks, IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken)
    {
        var wanted = checks is { Count: > 0 } ? checks.ToHashSet(StringComparer.OrdinalIgnoreCase) : IntegrityChecks.Names.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = wanted.Where(c => !IntegrityChecks.Names.Contains(c, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (unknown.Length > 0)
        {
            throw new MatchmadeException("UnknownCheck", FailureKind.InvalidArgument, $"No check named {string.Join(", ", unknown)}. The checks are: {string.Join(", ", IntegrityChecks.Names)}.");
        }

        using var connection = target.Open(cancellationToken);
        NpgsqlTransaction transaction;
        HashSet<string> present;
        try
        {
            transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            present = SchemaInspector.TablesPresent(connection, target.Schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables, PrismaSchema.MigrationsTable], transaction);
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Test-MigrationIntegrity", target);
        }

        using (transaction)
        {
            var missing = PrismaSchema.OldTables.Concat(PrismaSchema.NewTables).Where(t => !present.Contains(t)).ToArray();
            if (missing.Length > 0)
            {
                throw new MatchmadeException(
                    "TablesNotFound",
                    FailureKind.ObjectNotFound,
                    $"Schema '{target.Schemas.App}' lacks {string.Join(", ", missing)}: there is nothing to verify yet (run Invoke-ProfileMigration), or -Schema names the wrong schema.",
                    target: target.Schemas.App);
            }

            foreach (var (name, _) in IntegrityChecks.All)
            {
                if (!wanted.Contains(name) || name is "Reconciliation" or "NothingLost")
                {
                    continue;
                }

                cancellationToken.ThrowIfCancellationRequested();
                log.Verbose($"Check {name}.");
                yield return Guard(name, () => name switch
                {
                    "Schema" => CheckSchema(connection, transaction),
                    "PrismaHistory" => CheckPrisma(connection, transaction, present.Contains(PrismaSchema.MigrationsTable)),
                    "PendingChanges" => CheckPendingChanges(connection, transaction),
                    _ => SqlCheck(connection, transaction, name),
                });
            }

            if (wanted.Contains("Reconciliation") || wanted.Contains("NothingLost"))
            {
                var (reconciliation, nothingLost) = Guard2(() => Reconcile(connection, transaction, userIds, cancellationToken));
                if (wanted.Contains("Reconciliation"))
                {
                    yield return reconciliation;
                }

                if (wanted.Contains("NothingLost"))
                {
                    yield return nothingLost;
                }
            }
        }
    }

    private IntegrityCheckResult Guard(string name, Func<IntegrityCheckResult> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is not MatchmadeException)
        {
            throw DbErrors.During(e, $"The integrity check {name}", target);
        }
    }

    /// <summary>
    /// Users the app changed in the old tables since they were migrated and that await a sync. Without tracking
    /// (-NoChangeTracking, or never installed) it passes with a warning: nothing is pending that it could know of,
    /// and the reconciliation still proves the rows.
    /// </summary>
    private IntegrityCheckResult CheckPendingChanges(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var state = ChangeTracking.Read(connection, transaction, target.Schemas);
        if (!state.Installed)
        {
            return new("PendingChanges", true, CheckSeverity.Warning, "change tracking not installed", "0 pending",
                "Change tracking is not installed (Invoke-ProfileMigration -NoChangeTracking, or its triggers were dropped): writes the app makes to the old tables are not tracked. Sync-ProfileMigration -Full catches up; the Reconciliation check proves the rows.", []);
        }

        if (state.PendingUsers is null)
        {
            return new("PendingChanges", false, CheckSeverity.Error, "change table not readable", "0 pending",
                $"Change tracking is installed but this role may not read {target.Schemas.StateQuoted}.changed_user: GRANT USAGE ON SCHEMA {target.Schemas.StateQuoted} and SELECT ON {target.Schemas.StateQuoted}.changed_user (docs/permissions.md).", []);
        }

        var lag = state.Lag is { } age ? string.Create(CultureInfo.InvariantCulture, $", the oldest change {age.TotalSeconds:N0} s old") : string.Empty;
        return state.PendingUsers == 0
            ? new("PendingChanges", true, CheckSeverity.Info, "0 pending", "0 pending", "Every change the app made to the old tables has been synced.", [])
            : new("PendingChanges", false, CheckSeverity.Error, string.Create(CultureInfo.InvariantCulture, $"{state.PendingUsers} users pending"), "0 pending",
                string.Create(CultureInfo.InvariantCulture, $"{state.PendingUsers:N0} users changed in the old tables since they were migrated{lag}: run Sync-ProfileMigration (or Sync-ProfileMigration -Continuous until the app switches over)."), []);
    }

    private (IntegrityCheckResult, IntegrityCheckResult) Guard2(Func<(IntegrityCheckResult, IntegrityCheckResult)> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, "The reconciliation", target);
        }
    }

    private IntegrityCheckResult SqlCheck(NpgsqlConnection connection, NpgsqlTransaction transaction, string name)
    {
        using var command = new NpgsqlCommand(SqlText.For($"check-{name}.sql", target.Schemas), connection, transaction);
        using var reader = command.ExecuteReader();
        reader.Read();
        var observed = reader.GetString(0);
        var expected = reader.GetString(1);
        var samples = reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2);
        var passed = string.Equals(observed, expected, StringComparison.Ordinal);
        var description = IntegrityChecks.All.First(c => c.Name == name).Description;
        return new IntegrityCheckResult(name, passed, passed ? CheckSeverity.Info : CheckSeverity.Error, observed, expected,
            passed ? description : $"Expected {expected}, found {observed}: {description}.", samples);
    }

    private IntegrityCheckResult CheckSchema(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var problems = new List<string>();
        var columns = SchemaStep.ReadColumns(connection, transaction, target.Schemas.App);
        foreach (var expected in ExpectedSchema.All)
        {
            if (!columns.TryGetValue((expected.Table, expected.Name), out var actual))
            {
                problems.Add($"{expected.Table}.{expected.Name} is missing");
                continue;
            }

            if (actual.UdtName != expected.UdtName || actual.NotNull != expected.NotNull || !string.Equals(actual.Default, expected.Default, StringComparison.Ordinal))
            {
                problems.Add($"{expected.Table}.{expected.Name} is {Describe(actual.UdtName, actual.NotNull, actual.Default)}, migration.sql makes it {Describe(expected.UdtName, expected.NotNull, expected.Default)}");
            }
        }

        var known = ExpectedSchema.All.Select(c => (c.Table, c.Name)).ToHashSet();
        problems.AddRange(columns.Keys.Where(k => !known.Contains(k)).Select(k => $"{k.Table}.{k.Name} is not in migration.sql"));

        var indexes = new Dictionary<string, (string Table, bool Unique, string[] Columns)>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand(SqlText.Raw("schema-indexes.sql"), connection, transaction))
        {
            command.Parameters.AddWithValue("schema", target.Schemas.App);
            command.Parameters.AddWithValue("tables", PrismaSchema.NewTables.ToArray());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                indexes[reader.GetString(0)] = (reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<string[]>(3));
            }
        }

        foreach (var index in ExpectedSchema.Indexes)
        {
            if (!indexes.Remove(index.Name, out var actual))
            {
                problems.Add($"index {index.Name} is missing");
            }
            else if (actual.Table != index.Table || actual.Unique != index.Unique || !actual.Columns.SequenceEqual(index.Columns))
            {
                problems.Add($"index {index.Name} is {(actual.Unique ? "UNIQUE " : string.Empty)}({string.Join(", ", actual.Columns)}) on {actual.Table}, migration.sql makes it {(index.Unique ? "UNIQUE " : string.Empty)}({string.Join(", ", index.Columns)}) on {index.Table}");
            }
        }

        problems.AddRange(indexes.Keys.Select(i => $"index {i} is not in migration.sql"));

        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand(SqlText.Raw("schema-foreign-keys.sql"), connection, transaction))
        {
            command.Parameters.AddWithValue("schema", target.Schemas.App);
            command.Parameters.AddWithValue("tables", PrismaSchema.NewTables.ToArray());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                keys[reader.GetString(0)] = $"{reader.GetString(1)}({string.Join(",", reader.GetFieldValue<string[]>(2))}) -> {reader.GetString(7)}.{reader.GetString(3)}({string.Join(",", reader.GetFieldValue<string[]>(4))}) ON DELETE {reader.GetString(5)} ON UPDATE {reader.GetString(6)}";
            }
        }

        foreach (var key in ExpectedSchema.ForeignKeys)
        {
            var expected = $"{key.Table}({string.Join(",", key.Columns)}) -> {target.Schemas.App}.{key.ReferencedTable}({string.Join(",", key.ReferencedColumns)}) ON DELETE c ON UPDATE c";
            if (!keys.Remove(key.Name, out var actual))
            {
                problems.Add($"foreign key {key.Name} is missing");
            }
            else if (actual != expected)
            {
                problems.Add($"foreign key {key.Name} is {actual}, migration.sql makes it {expected}");
            }
        }

        problems.AddRange(keys.Keys.Select(k => $"foreign key {k} is not in migration.sql"));
        var total = ExpectedSchema.All.Count() + ExpectedSchema.Indexes.Count + ExpectedSchema.ForeignKeys.Count;
        return new IntegrityCheckResult(
            "Schema",
            problems.Count == 0,
            problems.Count == 0 ? CheckSeverity.Info : CheckSeverity.Error,
            problems.Count == 0 ? $"{total} columns, indexes and foreign keys as expected" : $"{problems.Count} differences",
            "exactly migration.sql",
            problems.Count == 0 ? "The new tables are exactly what migration.sql creates." : string.Join("; ", problems),
            []);

        static string Describe(string udt, bool notNull, string? @default) => $"{udt}{(notNull ? " NOT NULL" : string.Empty)}{(@default is null ? string.Empty : " DEFAULT " + @default)}";
    }

    private IntegrityCheckResult CheckPrisma(NpgsqlConnection connection, NpgsqlTransaction transaction, bool historyTable)
    {
        var record = SchemaInspector.ReadPrismaMigration(connection, target.Schemas, historyTable, transaction);
        return record.State switch
        {
            PrismaMigrationState.NoHistoryTable => new("PrismaHistory", true, CheckSeverity.Info, "no _prisma_migrations table", "applied, or no history table",
                "The database has no _prisma_migrations table (kept with prisma db push?): nothing to check.", []),
            PrismaMigrationState.Applied when record.Checksum == PrismaSchema.MigrationChecksum => new("PrismaHistory", true, CheckSeverity.Info, "Applied", "Applied",
                $"{PrismaSchema.MigrationName} is recorded as applied with the shipped checksum.", []),
            PrismaMigrationState.Applied => new("PrismaHistory", false, CheckSeverity.Warning, $"Applied, checksum {record.Checksum}", $"Applied, checksum {PrismaSchema.MigrationChecksum}",
                $"{PrismaSchema.MigrationName} is recorded with another checksum: the app deployed a different migration.sql than the one this module ships (prisma migrate will report it as modified).", []),
            _ => new("PrismaHistory", false, CheckSeverity.Error, record.State.ToString(), "Applied",
                $"_prisma_migrations records {PrismaSchema.MigrationName} as {record.State}; the new tables exist, so the app's Prisma history is inconsistent. Run Invoke-ProfileMigration (it records the migration) or prisma migrate resolve --applied.", []),
        };
    }

    /// <summary>
    /// Sync-ProfileMigration -Full: the reconciliation's own comparison over every user, in one read-only snapshot,
    /// returning every user whose stored rows differ from what the rules compute from the old tables now.
    /// </summary>
    public List<string> DifferingUsers(CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        try
        {
            using var transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
            Execute(connection, transaction, "SET TRANSACTION READ ONLY");
            var differing = new List<string>();
            Reconcile(connection, transaction, null, cancellationToken, differing);
            return differing;
        }
        catch (Exception e) when (e is not MatchmadeException and not OperationCanceledException)
        {
            throw DbErrors.During(e, "The reconciliation", target);
        }
    }

    /// <summary>
    /// Complete-ProfileMigration's re-check under its locks, in its transaction (so it sees the rows its final sync
    /// wrote): the reconciliation of the users it just synced (null when there are none).
    /// </summary>
    public IntegrityCheckResult? ReconcileInTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken) =>
        userIds.Count == 0 ? null : Guard2(() => Reconcile(connection, transaction, userIds, cancellationToken)).Item1;

    private (IntegrityCheckResult Reconciliation, IntegrityCheckResult NothingLost) Reconcile(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken, List<string>? allDiffering = null)
    {
        var reader = new BatchReader(target.Schemas, targetExists: true, userIds, force: true);
        var profilesSql = SqlText.For("stored-profiles.sql", target.Schemas);
        var intentsSql = SqlText.For("stored-intents.sql", target.Schemas).Replace(
            "{intent_columns}",
            string.Join(", ", FieldCatalog.IntentColumns.Select(c => SqlText.Quote(c) + (FieldCatalog.IsJsonIntentColumn(c) ? "::text" : string.Empty))),
            StringComparison.Ordinal);
        var differences = new List<string>();
        var lost = new List<string>();
        var differingUsers = new List<string>();
        var losingUsers = new List<string>();
        long users = 0, differing = 0, losing = 0, keys = 0;
        // The next batch's reads (old rows and stored rows, same snapshot, same connection) run in the background
        // while this batch is compared: the database and the comparison overlap instead of taking turns.
        (BatchReader.Batch Batch, Dictionary<string, StoredProfile> Profiles, Dictionary<string, List<StoredIntent>> Intents) Fetch(string from)
        {
            var read = reader.Read(connection, transaction, from, null, BatchSize);
            var ids = read.Users.Select(u => u.Source.UserId).ToArray();
            return read.IdsRead == 0 ? (read, [], []) : (read, ReadProfiles(connection, transaction, profilesSql, ids), ReadIntents(connection, transaction, intentsSql, ids));
        }

        var next = Task.Run(() => Fetch(string.Empty));
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (batch, profiles, intents) = next.GetAwaiter().GetResult();
                if (batch.IdsRead == 0)
                {
                    break;
                }

                var from = batch.LastUserId;
                next = Task.Run(() => Fetch(from));
                // Users are compared on every core; the results are taken in user order, so the first differences
                // named are the same whatever the machine.
                var outcomes = new (List<string> Differences, long Keys, List<string> Lost)[batch.Users.Count];
                Parallel.For(0, batch.Users.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, i =>
                {
                    var user = batch.Users[i].Source;
                    var expected = ProfileMerger.Merge(user);
                    var profile = profiles.GetValueOrDefault(user.UserId);
                    var stored = intents.GetValueOrDefault(user.UserId);
                    var (userKeys, userLost) = Account(user, expected, profile, stored);
                    outcomes[i] = (Compare(user.UserId, expected, profile, stored), userKeys, userLost);
                });
                for (var i = 0; i < outcomes.Length; i++)
                {
                    users++;
                    var userId = batch.Users[i].Source.UserId;
                    var (userDifferences, userKeys, userLost) = outcomes[i];
                    if (userDifferences.Count > 0)
                    {
                        differing++;
                        Add(differingUsers, userId, 5);
                        allDiffering?.Add(userId);
                        foreach (var d in userDifferences)
                        {
                            Add(differences, d, MaxDifferences);
                        }
                    }

                    keys += userKeys;
                    if (userLost.Count > 0)
                    {
                        losing++;
                        Add(losingUsers, userId, 5);
                        foreach (var l in userLost)
                        {
                            Add(lost, l, MaxDifferences);
                        }
                    }
                }

                log.Progress(new OperationProgress("Reconciling every user with the old tables", string.Create(CultureInfo.InvariantCulture, $"{users:N0} users compared, {differing:N0} differ"), -1, null));
            }
        }
        finally
        {
            // Never leave a read running on the connection the caller is about to close.
            try
            {
                next.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
            }
        }

        log.Progress(new OperationProgress("Reconciling every user with the old tables", "done", 100, null, Completed: true));
        var scope = userIds is null ? "users" : "of the given users";
        var reconciliation = new IntegrityCheckResult(
            "Reconciliation",
            differing == 0,
            differing == 0 ? CheckSeverity.Info : CheckSeverity.Error,
            string.Create(CultureInfo.InvariantCulture, $"{differing} of {users} {scope} differ"),
            "0 differ",
            differing == 0 ? string.Create(CultureInfo.InvariantCulture, $"All {users:N0} {scope} have exactly the rows the rules compute from the old tables.") : "First differences: " + string.Join("; ", differences),
            differingUsers);
        var nothingLost = new IntegrityCheckResult(
            "NothingLost",
            losing == 0,
            losing == 0 ? CheckSeverity.Info : CheckSeverity.Error,
            string.Create(CultureInfo.InvariantCulture, $"{losing} of {users} {scope} lost keys"),
            "0 lost",
            losing == 0 ? string.Create(CultureInfo.InvariantCulture, $"All {keys:N0} keys of the old blobs are in a column, a conflict, the unmapped list or the invalid list.") : "First losses: " + string.Join("; ", lost),
            losingUsers);
        return (reconciliation, nothingLost);
    }

    private sealed record StoredProfile(string CoreValues, string Constraints, string Beliefs, string InteractionStyle, string Lifestyle, string? Location, string? AgeRange, string? Name, int Completeness, string[] Missing);

    private sealed record StoredIntent(ContextType ContextType, int Completeness, string[] Missing, string?[] Values);

    private static Dictionary<string, StoredProfile> ReadProfiles(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string[] ids)
    {
        var result = new Dictionary<string, StoredProfile>(ids.Length, StringComparer.Ordinal);
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ids });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            result[reader.GetString(0)] = new StoredProfile(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                Text(6), Text(7), Text(8), reader.GetInt32(9), reader.IsDBNull(10) ? [] : reader.GetFieldValue<string[]>(10));
        }

        return result;
    }

    private static Dictionary<string, List<StoredIntent>> ReadIntents(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string[] ids)
    {
        var result = new Dictionary<string, List<StoredIntent>>(ids.Length, StringComparer.Ordinal);
        using var command = new NpgsqlCommand(sql, connection, transaction);
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

            list.Add(new StoredIntent(ContextTypes.Parse(reader.GetString(1)), reader.GetInt32(2), reader.IsDBNull(3) ? [] : reader.GetFieldValue<string[]>(3), values));
        }

        return result;
    }

    /// <summary>Field by field, ids and timestamps aside.</summary>
    private static List<string> Compare(string userId, MergeResult expected, StoredProfile? profile, List<StoredIntent>? intents)
    {
        var differences = new List<string>();
        if (profile is null)
        {
            differences.Add($"{userId}: no ProfileNew");
        }
        else
        {
            var p = expected.Profile;
            Json("coreValues", p.CoreValues, profile.CoreValues);
            Json("constraints", p.Constraints, profile.Constraints);
            Json("beliefs", p.Beliefs, profile.Beliefs);
            Json("interactionStyle", p.InteractionStyle, profile.InteractionStyle);
            Json("lifestyle", p.Lifestyle, profile.Lifestyle);
            Text("location", p.Location, profile.Location);
            Text("ageRange", p.AgeRange, profile.AgeRange);
            Text("name", p.Name, profile.Name);
            Text("completeness", p.Completeness.ToString(CultureInfo.InvariantCulture), profile.Completeness.ToString(CultureInfo.InvariantCulture));
            Text("missing", string.Join(",", p.Missing), string.Join(",", profile.Missing));
        }

        var stored = (intents ?? []).ToDictionary(i => i.ContextType);
        foreach (var intent in expected.Intents)
        {
            var context = ContextTypes.ToDbName(intent.ContextType);
            if (!stored.Remove(intent.ContextType, out var row))
            {
                differences.Add($"{userId}: no ContextIntent for {context}");
                continue;
            }

            Text($"{context}.completeness", intent.Completeness.ToString(CultureInfo.InvariantCulture), row.Completeness.ToString(CultureInfo.InvariantCulture));
            Text($"{context}.missing", string.Join(",", intent.Missing), string.Join(",", row.Missing));
            for (var i = 0; i < FieldCatalog.IntentColumns.Count; i++)
            {
                var column = FieldCatalog.IntentColumns[i];
                if (FieldCatalog.IsJsonIntentColumn(column) && intent.Values[i] is { } json && row.Values[i] is { } storedJson)
                {
                    Json($"{context}.{column}", json, storedJson);
                }
                else
                {
                    Text($"{context}.{column}", intent.Values[i], row.Values[i]);
                }
            }
        }

        differences.AddRange(stored.Keys.Select(t => $"{userId}: ContextIntent for {ContextTypes.ToDbName(t)} has no ContextProfile"));
        return differences;

        void Json(string field, string want, string have)
        {
            if (!JsonValues.Equal(want, have))
            {
                differences.Add($"{userId}.{field}: expected {Short(want)}, stored {Short(have)}");
            }
        }

        void Text(string field, string? want, string? have)
        {
            if (!string.Equals(want, have, StringComparison.Ordinal))
            {
                differences.Add($"{userId}.{field}: expected {Short(want ?? "NULL")}, stored {Short(have ?? "NULL")}");
            }
        }
    }

    /// <summary>
    /// Every key of every blob must be accounted for: the merge's findings account for unmapped and invalid keys and
    /// for the values that lost a conflict; every other present key must be visible in the stored rows (each array
    /// element in the stored array, each object key in the stored object, a string or context field non-null).
    /// </summary>
    private static (long Keys, List<string> Lost) Account(SourceUser user, MergeResult expected, StoredProfile? profile, List<StoredIntent>? intents)
    {
        long keys = 0;
        var lost = new List<string>();
        var invalid = expected.Findings.OfType<InvalidValue>().Select(f => (f.ContextType, f.Field)).ToHashSet();
        foreach (var context in user.Contexts)
        {
            if (context.ProfileData is null)
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(context.ProfileData, JsonValues.DocumentOptions);
            }
            catch (JsonException)
            {
                // Deeper than the merge reads (or not JSON): the merge reports the whole blob as one invalid value.
                keys++;
                if (!invalid.Contains((context.ContextType, null)))
                {
                    lost.Add($"{user.UserId}/{ContextTypes.ToDbName(context.ContextType)}: a blob the merge cannot read is not reported as invalid");
                }

                continue;
            }

            using var _ = document;
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                keys++;
                if (document.RootElement.ValueKind != JsonValueKind.Null && !invalid.Contains((context.ContextType, null)))
                {
                    lost.Add($"{user.UserId}/{ContextTypes.ToDbName(context.ContextType)}: a non-object blob is not reported as invalid");
                }

                continue;
            }

            var intent = intents?.FirstOrDefault(i => i.ContextType == context.ContextType);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                keys++;
                var key = property.Name;
                var value = property.Value;
                if (!JsonValues.IsPresent(value) || invalid.Contains((context.ContextType, key)))
                {
                    continue;
                }

                var where = $"{user.UserId}/{ContextTypes.ToDbName(context.ContextType)}.{key}";
                if (FieldCatalog.IsSharedField(key))
                {
                    if (!InStoredProfile(key, value, profile))
                    {
                        lost.Add($"{where} is not in ProfileNew");
                    }
                }
                else if (FieldCatalog.FieldsOf(context.ContextType).Contains(key))
                {
                    if (intent?.Values[FieldCatalog.IntentColumnIndex(key)] is null)
                    {
                        lost.Add($"{where} is not in its ContextIntent");
                    }
                }
            }
        }

        return (keys, lost);
    }

    private static bool InStoredProfile(string field, JsonElement value, StoredProfile? profile)
    {
        if (profile is null)
        {
            return false;
        }

        switch (FieldCatalog.KindOf(field))
        {
            case SharedFieldKind.String:
                return (field switch { "location" => profile.Location, "ageRange" => profile.AgeRange, _ => profile.Name }) is not null;
            case SharedFieldKind.Array:
            {
                using var stored = JsonDocument.Parse(field == "coreValues" ? profile.CoreValues : profile.Constraints, JsonValues.DocumentOptions);
                var elements = stored.RootElement.ValueKind == JsonValueKind.Array ? stored.RootElement.EnumerateArray().ToList() : [];
                return value.EnumerateArray().All(v => elements.Exists(s => JsonValues.Equal(s, v)));
            }

            default:
            {
                using var stored = JsonDocument.Parse(field switch { "beliefs" => profile.Beliefs, "interactionStyle" => profile.InteractionStyle, _ => profile.Lifestyle }, JsonValues.DocumentOptions);
                return stored.RootElement.ValueKind == JsonValueKind.Object && value.EnumerateObject().All(p => stored.RootElement.TryGetProperty(p.Name, out _));
            }
        }
    }

    private static string Short(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static void Add(List<string> list, string item, int max)
    {
        if (list.Count < max)
        {
            list.Add(item);
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
