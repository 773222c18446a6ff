using System.Globalization;
using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
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
    public IEnumerable<IntegrityCheckResult> Run(IReadOnlyCollection<string>? checks, IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken)
    {
        var wanted = WantedChecks(checks);
        using var connection = target.Open(cancellationToken);
        var (transaction, state, present) = BeginSnapshot(connection);
        var tables = state.Completed ? ProfileTables.AfterCompletion : ProfileTables.Transition;
        using (transaction)
        {
            RequireTables(tables, present);
            var tracking = new Lazy<TrackingState?>(() => state.Completed ? null : Guard("PendingChanges", () => ChangeTracking.Read(connection, transaction, target.Schemas)));
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
                    "Schema" => new SchemaCheck(connection, transaction, target.Schemas, state.Completed ? ExpectedSchema.Cleanup : ExpectedSchema.Transition).Run(),
                    "PrismaHistory" => CheckPrisma(connection, transaction, present.Contains(PrismaSchema.MigrationsTable), state.Completed),
                    "PendingChanges" => state.Completed ? NothingPendingAfterCompletion : CheckPendingChanges(tracking.Value!),
                    _ => PendingHint(SqlCheck(connection, transaction, name, tables), tracking),
                });
            }

            if (wanted.Contains("Reconciliation") || wanted.Contains("NothingLost"))
            {
                foreach (var result in ReconciliationChecks(connection, transaction, wanted, state, tables, userIds, cancellationToken))
                {
                    yield return PendingHint(result, tracking);
                }
            }
        }
    }

    /// <summary>The checks asked for (all when none), every one of them a known check.</summary>
    private static HashSet<string> WantedChecks(IReadOnlyCollection<string>? checks)
    {
        var wanted = checks is { Count: > 0 } ? checks.ToHashSet(StringComparer.OrdinalIgnoreCase) : IntegrityChecks.Names.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = wanted.Where(c => !IntegrityChecks.Names.Contains(c, StringComparer.OrdinalIgnoreCase)).ToArray();
        if (unknown.Length > 0)
        {
            throw new MatchmadeException(ErrorIds.UnknownCheck, FailureKind.InvalidArgument, $"No check named {string.Join(", ", unknown)}. The checks are: {string.Join(", ", IntegrityChecks.Names)}.");
        }

        return wanted;
    }

    /// <summary>Opens the read-only snapshot every check reads, with the completion's state and the tables present in it.</summary>
    private (NpgsqlTransaction Transaction, CompletionState State, HashSet<string> Present) BeginSnapshot(NpgsqlConnection connection)
    {
        try
        {
            var transaction = Db.BeginReadOnlySnapshot(connection);
            // After Complete-ProfileMigration the same checks run on the renamed tables, reconciled with the archive.
            var state = CompletionState.Read(connection, transaction, target.Schemas);
            var present = SchemaInspector.TablesPresent(connection, target.Schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables, PrismaSchema.MigrationsTable], transaction);
            return (transaction, state, present);
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Test-MigrationIntegrity", target);
        }
    }

    private void RequireTables(ProfileTables tables, HashSet<string> present)
    {
        var missing = tables.Required.Where(t => !present.Contains(t)).ToArray();
        if (missing.Length > 0)
        {
            throw new MatchmadeException(
                ErrorIds.TablesNotFound,
                FailureKind.ObjectNotFound,
                PrismaSchema.TablesMissing(target.Schemas.App, missing, "verify yet (run Invoke-ProfileMigration)"),
                target: target.Schemas.App);
        }
    }

    /// <summary>Reconciliation and NothingLost (whichever are wanted): one pass over the users gives both.</summary>
    private List<IntegrityCheckResult> ReconciliationChecks(
        NpgsqlConnection connection, NpgsqlTransaction transaction, HashSet<string> wanted, CompletionState state, ProfileTables tables,
        IReadOnlyCollection<string>? userIds, CancellationToken cancellationToken)
    {
        var (reconciliation, nothingLost) = state.Completed && !state.ArchivePresent
            ? (ArchiveRemoved("Reconciliation"), ArchiveRemoved("NothingLost"))
            : Guard2(() => Reconciliation.Run(connection, transaction, target.Schemas, tables, userIds, log, cancellationToken));
        if (userIds is not null && !reconciliation.Skipped)
        {
            var unknown = Guard("Reconciliation", () => UnknownUsers(connection, transaction, userIds));
            (reconciliation, nothingLost) = (unknown.Apply(reconciliation), unknown.Apply(nothingLost));
        }

        var results = new List<IntegrityCheckResult>(2);
        if (wanted.Contains("Reconciliation"))
        {
            results.Add(reconciliation);
        }

        if (wanted.Contains("NothingLost"))
        {
            results.Add(nothingLost);
        }

        return results;
    }

    /// <summary>
    /// The given ids that are no user (a typo; ids are case-sensitive): the reconciliation never saw them, so it proved
    /// nothing of them, and a canary check with a mistyped id must not pass comparing nobody.
    /// </summary>
    private GivenUsersNotFound UnknownUsers(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> userIds)
    {
        var distinct = userIds.Distinct(StringComparer.Ordinal).ToArray();
        using var command = new NpgsqlCommand(SqlText.For("given-users-missing.sql", target.Schemas), connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = distinct });
        using var reader = command.ExecuteReader();
        reader.Read();
        return new GivenUsersNotFound(reader.GetInt32(0), distinct.Length, reader.IsDBNull(1) ? [] : reader.GetFieldValue<string[]>(1), $"{target.Schemas.App}.\"User\"");
    }

    private T Guard<T>(string name, Func<T> check)
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
    /// Sync-ProfileMigration -Full: the reconciliation's own comparison over every user, in one read-only snapshot,
    /// returning every user whose stored rows differ from what the rules compute from the old tables now (users not
    /// migrated yet included).
    /// </summary>
    public List<string> DifferingUsers(CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        try
        {
            using var transaction = Db.BeginReadOnlySnapshot(connection);
            var differing = new List<string>();
            Reconciliation.Run(connection, transaction, target.Schemas, ProfileTables.Transition, null, log, cancellationToken, differing);
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
        userIds.Count == 0 ? null : Guard2(() => Reconciliation.Run(connection, transaction, target.Schemas, ProfileTables.Transition, userIds, log, cancellationToken)).Item1;

    /// <summary>
    /// Users the app changed in the old tables since they were migrated and that await a sync. Without tracking
    /// (-NoChangeTracking, or never installed) it passes with a warning: nothing is pending that it could know of,
    /// and the reconciliation still proves the rows.
    /// </summary>
    private IntegrityCheckResult CheckPendingChanges(TrackingState state)
    {
        if (state.OnStandby)
        {
            return new("PendingChanges", false, CheckSeverity.Error, "unknown on a standby", "0 pending",
                "Connected to a standby: the change record is unlogged, so only the primary has it. Run Test-MigrationIntegrity against the primary to know the pending changes.", []);
        }

        if (state.Reset)
        {
            return new("PendingChanges", false, CheckSeverity.Error, "change record reset", "0 pending",
                TrackingState.ResetAdvice(target.Schemas.App) + ".", []);
        }

        if (!state.Installed)
        {
            return new("PendingChanges", true, CheckSeverity.Warning, "change tracking not installed", "0 pending",
                "Change tracking is not installed (Invoke-ProfileMigration -NoChangeTracking, or its triggers were dropped or disabled): writes the app makes to the old tables are not tracked. Sync-ProfileMigration -Full catches up; the Reconciliation check proves the rows.", []);
        }

        if (state.PendingUsers is null)
        {
            return new("PendingChanges", false, CheckSeverity.Error, "change table not readable", "0 pending",
                $"Change tracking is installed but this role may not read {target.Schemas.StateQuoted}.changed_user: GRANT USAGE ON SCHEMA {target.Schemas.StateQuoted} and SELECT ON {target.Schemas.StateQuoted}.changed_user and {target.Schemas.StateQuoted}.tracking_marker (docs/permissions.md).", []);
        }

        var lag = state.Lag is { } age ? string.Create(CultureInfo.InvariantCulture, $", the oldest change {age.TotalSeconds:N0} s old") : string.Empty;
        return state.PendingUsers == 0
            ? new("PendingChanges", true, CheckSeverity.Info, "0 pending", "0 pending", "Every change the app made to the old tables has been synced.", [])
            : new("PendingChanges", false, CheckSeverity.Error, string.Create(CultureInfo.InvariantCulture, $"{state.PendingUsers} users pending"), "0 pending",
                string.Create(CultureInfo.InvariantCulture, $"{state.PendingUsers:N0} users changed in the old tables since they were migrated{lag}: run Sync-ProfileMigration (or Sync-ProfileMigration -Continuous until the app switches over)."), []);
    }

    /// <summary>
    /// A data check that fails while users await a sync says so: the app's writes since the migration (a user or a
    /// context created or deleted, a blob edited) are differences until Sync-ProfileMigration brings them over, and a DBA
    /// reading "Expected 1003, found 1004" should not have to guess whether the migration is wrong. The change record is
    /// read once, and only when a check fails.
    /// </summary>
    private static IntegrityCheckResult PendingHint(IntegrityCheckResult result, Lazy<TrackingState?> tracking)
    {
        if (result.Passed || result.Skipped || tracking.Value is not { Installed: true, PendingUsers: > 0 } pending)
        {
            return result;
        }

        return result with
        {
            Detail = result.Detail + string.Create(CultureInfo.InvariantCulture,
                $" {pending.PendingUsers:N0} users changed in the old tables await Sync-ProfileMigration (the PendingChanges check): sync, then check again; what still fails then is not the app's recent writes."),
        };
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

    /// <summary>After the completion: the final sync ran under the cut-over's lock and change tracking went with the old table.</summary>
    private static IntegrityCheckResult NothingPendingAfterCompletion { get; } = new("PendingChanges", true, CheckSeverity.Info, "completed", "0 pending",
        "The completion synced every change under its lock and removed change tracking: the app writes Profile and ContextIntent itself, nothing awaits a sync.", []);

    /// <summary>The reconciliation needs the old blobs: once -RemoveArchive dropped them, it cannot run (not a pass).</summary>
    private IntegrityCheckResult ArchiveRemoved(string name) => new(name, false, CheckSeverity.Warning, "not run: archive removed", "0 differ",
        $"Not run: Complete-ProfileMigration -RemoveArchive removed {target.Schemas.State}.{CompletionState.ArchiveTable}, the old Profile rows this check compares with. The other checks still prove the tables' shape and counts; -Check without {name} leaves it out.", [], Skipped: true);

    private IntegrityCheckResult SqlCheck(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, ProfileTables tables)
    {
        using var command = new NpgsqlCommand(tables.Sql($"check-{name}.sql", target.Schemas), connection, transaction);
        using var reader = command.ExecuteReader();
        reader.Read();
        var observed = reader.GetString(0);
        var expected = reader.GetString(1);
        var samples = reader.IsDBNull(2) ? [] : reader.GetFieldValue<string[]>(2);
        var passed = string.Equals(observed, expected, StringComparison.Ordinal);
        var description = IntegrityChecks.All.First(c => c.Name == name).Description.Replace(PrismaSchema.ProfileNew, tables.NewName, StringComparison.Ordinal);
        return new IntegrityCheckResult(name, passed, passed ? CheckSeverity.Info : CheckSeverity.Error, observed, expected,
            passed ? description : $"Expected {expected}, found {observed}: {description}.", samples);
    }

    /// <summary>Prisma's record of the first migration, and after the completion of the cleanup migration too.</summary>
    private IntegrityCheckResult CheckPrisma(NpgsqlConnection connection, NpgsqlTransaction transaction, bool historyTable, bool completed)
    {
        var first = CheckPrisma(connection, transaction, historyTable, PrismaSchema.Initial);
        if (!completed || !first.Passed || !historyTable)
        {
            return first;
        }

        var cleanup = CheckPrisma(connection, transaction, historyTable, PrismaSchema.Cleanup);
        return cleanup.Passed ? cleanup with { Detail = $"{first.Detail} {cleanup.Detail}" } : cleanup;
    }

    private IntegrityCheckResult CheckPrisma(NpgsqlConnection connection, NpgsqlTransaction transaction, bool historyTable, ShippedMigration migration)
    {
        var record = SchemaInspector.ReadPrismaMigration(connection, target.Schemas, historyTable, transaction, migration.Name);
        return record.State switch
        {
            PrismaMigrationState.NoHistoryTable => new("PrismaHistory", true, CheckSeverity.Info, "no _prisma_migrations table", "applied, or no history table",
                "The database has no _prisma_migrations table (kept with prisma db push?): nothing to check.", []),
            PrismaMigrationState.Applied when record.Checksum == migration.Checksum => new("PrismaHistory", true, CheckSeverity.Info, "Applied", "Applied",
                $"{migration.Name} is recorded as applied with the shipped checksum.", []),
            PrismaMigrationState.Applied => new("PrismaHistory", false, CheckSeverity.Warning, $"Applied, checksum {record.Checksum}", $"Applied, checksum {migration.Checksum}",
                $"{migration.Name} is recorded with another checksum: the app deployed a different {migration.FileName} than the one this module ships (prisma migrate will report it as modified).", []),
            _ => new("PrismaHistory", false, CheckSeverity.Error, record.State.ToString(), "Applied",
                $"_prisma_migrations records {migration.Name} as {record.State}; {(migration == PrismaSchema.Initial ? "the new tables exist" : "the schema is completed")}, so the app's Prisma history is inconsistent. {(migration == PrismaSchema.Initial ? "Run Invoke-ProfileMigration (it records the migration) or prisma migrate resolve --applied." : $"Run prisma migrate resolve --applied {migration.Name}.")}", []),
        };
    }
}
