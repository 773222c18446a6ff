using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Matchmade.Core.Sync;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Npgsql;

namespace Matchmade.Core.Completion;

/// <summary>
/// The gates Complete-ProfileMigration must pass before it changes anything, in order; each refusal has its own
/// error id. Read-only: they run before the cut-over's transaction, under the run lock (no migration or sync can run
/// meanwhile).
/// </summary>
internal static class CompletionGates
{
    /// <summary>Checks whose failure a user changed in the old tables and not yet synced explains: the final sync fixes them, the re-check under the lock proves it.</summary>
    private static readonly HashSet<string> ExplainedByPendingChanges = new(StringComparer.Ordinal)
    {
        "UserProfileCount", "ContextIntentCount", "UsersWithoutProfile", "OrphanedProfiles", "OrphanedContextIntents", "MissingContextIntents",
        "ContextTypeDistribution", "Reconciliation", "NothingLost", "PendingChanges",
    };

    public static List<CompletionGate> Evaluate(NpgsqlConnection connection, DatabaseTarget target, CompletionOptions options, IOperationLog log, CancellationToken stop)
    {
        var schemas = target.Schemas;
        var gates = new List<CompletionGate>();
        var state = CompletionState.Read(connection, null, schemas);
        if (state.Completed)
        {
            // Once -RemoveArchive has run, Undo refuses (ArchiveNotFound): the advice must not send the DBA there.
            var next = state.ArchivePresent
                ? "Undo-ProfileMigration steps back to the transition."
                : $"Its archive {schemas.State}.{CompletionState.ArchiveTable} was removed (-RemoveArchive), so it cannot be undone either: the migration is finished, nothing is left to run.";
            gates.Add(new("NotCompleted", false, $"Schema '{schemas.App}' is completed already: Profile is the renamed ProfileNew. {next}", ErrorIds.AlreadyCompleted));
            return gates;
        }

        var present = SchemaInspector.TablesPresent(connection, schemas.App, [.. PrismaSchema.OldTables, .. PrismaSchema.NewTables]);
        var missing = PrismaSchema.MissingOldOrNew(present);
        if (missing.Length > 0)
        {
            gates.Add(new("Tables", false, PrismaSchema.TablesMissing(schemas.App, missing, "complete (run Invoke-ProfileMigration first)"), ErrorIds.TablesNotFound));
            return gates;
        }

        gates.Add(Archive(connection, schemas, state));
        gates.Add(Dependents(connection, schemas));
        var tracking = ChangeTracking.Read(connection, null, schemas);
        gates.Add(MigrationDone(connection, schemas, tracking, options, log));
        gates.Add(LastRun(connection, schemas, state.HistoryExists));
        gates.Add(Tracking(tracking, schemas, options, log));
        gates.Add(gates.TrueForAll(g => g.Passed) ? Integrity(connection, target, tracking.Installed, log, stop) : new("Integrity", false, "Not checked: an earlier gate refused."));
        return gates;
    }

    /// <summary>The archive's place in the module's schema is free: its name, and the names the old table brings along when it is moved there.</summary>
    private static CompletionGate Archive(NpgsqlConnection connection, SchemaNames schemas, CompletionState state)
    {
        if (state.ArchivePresent)
        {
            return new("Archive", false, $"{schemas.State}.{CompletionState.ArchiveTable} exists already (the archive of another app schema sharing the module's schema?). It is never overwritten: move it, or remove it with Complete-ProfileMigration -RemoveArchive where it belongs.", ErrorIds.ArchiveExists);
        }

        using var command = new NpgsqlCommand(SqlText.Raw("completion-archive-names.sql"), connection);
        command.Parameters.AddWithValue("app", schemas.App);
        command.Parameters.AddWithValue("state", schemas.State);
        var taken = Db.Strings(command, new List<string>());
        return taken.Count == 0
            ? new("Archive", true, $"{schemas.State}.{CompletionState.ArchiveTable} is free for the archive.")
            : new("Archive", false, $"Schema '{schemas.State}' already has objects named {string.Join(", ", taken.Select(n => $"\"{n}\""))}: the cut-over moves the old Profile table there (as \"Profile\", with its indexes and row type) before renaming it {CompletionState.ArchiveTable}, and would fail on them. Rename or move them out of the module's schema, then complete.", ErrorIds.ArchiveNameTaken);
    }

    /// <summary>Nothing outside the old Profile table (a view, another table's foreign key) would follow it into the archive.</summary>
    private static CompletionGate Dependents(NpgsqlConnection connection, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.For("completion-old-table-dependents.sql", schemas), connection);
        command.Parameters.AddWithValue("app", schemas.App);
        var found = Db.Strings(command, new List<string>());
        return found.Count == 0
            ? new("OldTableDependents", true, "Nothing outside the old Profile table depends on it.")
            : new("OldTableDependents", false, $"{string.Join(", ", found)} depend{(found.Count == 1 ? "s" : string.Empty)} on {schemas.App}.Profile. The cut-over moves that table into the archive and {(found.Count == 1 ? "it" : "they")} would follow it there (cleanup-migration.sql's DROP TABLE would refuse): drop or change {(found.Count == 1 ? "it" : "them")} to use the new tables (Slice 1b), then complete.", ErrorIds.OldTableHasDependents);
    }

    /// <summary>
    /// No user left to migrate: every user has a ProfileNew, but for users the app created since the migration (with
    /// tracking, those with a pending change: the final sync creates their rows). Without tracking they cannot be told
    /// apart from users never migrated; -Force lets the full reconciliation under the lock migrate them.
    /// </summary>
    private static CompletionGate MigrationDone(NpgsqlConnection connection, SchemaNames schemas, TrackingState tracking, CompletionOptions options, IOperationLog log)
    {
        var left = UsersLeftToMigrate(connection, null, schemas, tracking.TableExists && !tracking.OnStandby);
        if (left == 0)
        {
            return new("MigrationDone", true, "Every user has a ProfileNew (or a pending change the final sync brings over).");
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"{left:N0} users have no ProfileNew{(tracking.TableExists ? " and no pending change" : string.Empty)}.");
        if (!tracking.Installed && options.Force)
        {
            log.Warning($"{detail} Without change tracking they may be users the app created since the migration: -Force lets the full reconciliation under the write lock migrate them.");
            return new("MigrationDone", true, detail + " -Force: the final sync's full reconciliation migrates them.");
        }

        return new("MigrationDone", false, detail + " Run Invoke-ProfileMigration to finish the migration, then complete.", ErrorIds.MigrationNotFinished);
    }

    /// <summary>
    /// Users with no ProfileNew; with <paramref name="pendingReadable"/>, but for those with a pending change (users the
    /// app created during the transition: the sync's, not the migration's). The completion's gate and the status's Stage
    /// count the same.
    /// </summary>
    internal static long UsersLeftToMigrate(NpgsqlConnection connection, NpgsqlTransaction? transaction, SchemaNames schemas, bool pendingReadable)
    {
        using var command = new NpgsqlCommand(SqlText.For(pendingReadable ? "completion-not-migrated.sql" : "status-not-migrated.sql", schemas), connection, transaction);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        return (long)command.ExecuteScalar()!;
    }

    private static CompletionGate LastRun(NpgsqlConnection connection, SchemaNames schemas, bool historyExists)
    {
        if (!historyExists)
        {
            return new("LastRunClean", false, $"The module's run history ({schemas.State}.run) does not exist: no migration run is recorded. Run Invoke-ProfileMigration, then complete.", ErrorIds.LastRunNotClean);
        }

        using var command = new NpgsqlCommand(SqlText.For("completion-last-run.sql", schemas), connection);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return new("LastRunClean", false, $"No migration run of schema '{schemas.App}' is recorded. Run Invoke-ProfileMigration, then complete.", ErrorIds.LastRunNotClean);
        }

        var (mode, status, failed, errors) = (reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3));
        return status == "Completed" && failed == 0
            ? new("LastRunClean", true, $"The last run ({mode}) completed with no failed user.")
            : new("LastRunClean", false, string.Create(CultureInfo.InvariantCulture,
                $"The last run ({mode}, started {reader.GetDateTime(4):u}) is {status} with {failed:N0} failed users and {errors:N0} errors. Fix what it reports (Get-MigrationReport -Latest), run Invoke-ProfileMigration or Sync-ProfileMigration until it completes cleanly, then complete."), ErrorIds.LastRunNotClean);
    }

    private static CompletionGate Tracking(TrackingState tracking, SchemaNames schemas, CompletionOptions options, IOperationLog log)
    {
        if (tracking.Installed)
        {
            return new("ChangeTracking", true, string.Create(CultureInfo.InvariantCulture, $"Installed; {tracking.PendingUsers:N0} users pending (synced under the write lock)."));
        }

        const string Consequence = "the final sync then falls back to a full reconciliation of every user while the app's writes to the old tables wait";
        var state = tracking.Reset ? "reset" : "not installed";
        if (options.Force)
        {
            log.Warning($"Change tracking is {state} in schema '{schemas.App}' (-Force): {Consequence}.");
            return new("ChangeTracking", true, $"{(tracking.Reset ? "Reset" : "Not installed")} (-Force): {Consequence}.");
        }

        if (tracking.Reset)
        {
            return new("ChangeTracking", false, $"{TrackingState.ResetAdvice(schemas.App)}, or use -Force ({Consequence}).", ErrorIds.TrackingReset);
        }

        return new("ChangeTracking", false, $"Change tracking is not installed in schema '{schemas.App}' (migrated with -NoChangeTracking, or its triggers were dropped or disabled): the cut-over could not know what the app changed last. Run Invoke-ProfileMigration to install it, or use -Force ({Consequence}).", ErrorIds.TrackingNotInstalled);
    }

    /// <summary>
    /// Every integrity check, in one snapshot. A failure that users changed and not yet synced explain (with tracking,
    /// only those users may differ) is left to the final sync and the re-check under the lock.
    /// </summary>
    private static CompletionGate Integrity(NpgsqlConnection connection, DatabaseTarget target, bool tracking, IOperationLog log, CancellationToken stop)
    {
        var checker = new IntegrityChecker(target, log);
        var results = checker.Run(null, null, stop).ToList();
        var failed = results.Where(r => !r.Passed && r.Severity == CheckSeverity.Error).ToList();
        var hard = failed.Where(r => !ExplainedByPendingChanges.Contains(r.Name)).ToList();
        var pendingFailed = failed.Exists(r => r.Name == "PendingChanges");
        if (hard.Count == 0 && failed.Count > 0 && tracking && !pendingFailed)
        {
            hard = failed; // nothing pending explains them
        }

        if (hard.Count == 0 && tracking && failed.Exists(r => r.Name == "Reconciliation"))
        {
            // Only users with a pending change may differ (read after the reconciliation: a later change stays pending).
            var differing = checker.DifferingUsers(stop);
            var pending = SyncRunner.Claim(connection, null, target.Schemas).Users.Select(u => u.UserId).ToHashSet(StringComparer.Ordinal);
            var unexplained = differing.Where(u => !pending.Contains(u)).ToArray();
            if (unexplained.Length > 0)
            {
                // Once more for just those users, in a later snapshot, before refusing.
                var again = checker.Run(["Reconciliation"], unexplained, stop).Single();
                pending = SyncRunner.Claim(connection, null, target.Schemas).Users.Select(u => u.UserId).ToHashSet(StringComparer.Ordinal);
                log.Verbose($"Gate Integrity: {unexplained.Length:N0} users differed without a pending change; looked again: {again.Observed}.");
                unexplained = again.Passed ? [] : again.SampleIds.Where(u => !pending.Contains(u)).Take(5).ToArray();
            }

            if (unexplained.Length > 0)
            {
                return new("Integrity", false, $"Users whose stored rows differ from the old tables without a pending change (e.g. {string.Join(", ", unexplained)}). Run Sync-ProfileMigration -Full, check with Test-MigrationIntegrity, then complete.", ErrorIds.IntegrityCheckFailed);
            }
        }

        if (hard.Count > 0)
        {
            return new("Integrity", false, $"Test-MigrationIntegrity fails: {string.Join("; ", hard.Select(r => $"{r.Name}: {r.Detail}"))}. Fix it (Sync-ProfileMigration -Full for differing rows) and complete again.", ErrorIds.IntegrityCheckFailed);
        }

        return new("Integrity", true, failed.Count == 0
            ? $"All {results.Count} checks pass."
            : $"All {results.Count} checks pass but {string.Join(", ", failed.Select(r => r.Name))}, which the pending changes explain: the final sync brings them over and they are re-checked under the lock.");
    }
}
