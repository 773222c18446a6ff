using System.Security.Cryptography;
using Matchmade.Core.Completion;
using Matchmade.Core.Migration;
using Matchmade.Core.Schema;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Tracking;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Core.Tests.Completion.CompletionDb;
using static Matchmade.Tests.Shared.DbAssert;
using static Matchmade.Tests.Shared.DbCatalog;

namespace Matchmade.Core.Tests.Completion;

/// <summary>
/// Complete-ProfileMigration on a real server: the app writes the old tables before and during the completion, the
/// cut-over brings every write over, the new Profile is what a fresh migration of the old rows at the cut-over
/// writes, the archive is the old table byte for byte, and a killed cut-over changes nothing.
/// </summary>
public sealed class CompletionTests : IDisposable
{
    private readonly CompletionDb db = new();

    public void Dispose() => db.Dispose();

    [Fact]
    public void Complete_brings_over_the_app_writes_and_archives_the_old_table_byte_for_byte()
    {
        var cs = db.New(150, prismaHistory: true);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        var writer = new AppWriter(cs);
        writer.Write(5 * writer.Kinds); // pending changes for the final sync
        string[] before;
        long oldFile;
        using (var c = Open(cs))
        {
            before = Scalar<string>(c, """SELECT string_agg(id || ' ' || "userId" || ' ' || "createdAt", ',' ORDER BY id) FROM "ProfileNew" """).Split(',');
            oldFile = Scalar<long>(c, """SELECT pg_relation_filenode('"Profile"')::bigint""");
        }

        var outcome = Complete(cs, new CompletionOptions
        {
            BatchSize = 7,
            BeforeExclusiveLock = () => SnapshotOldTables(cs),
        });

        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.True(outcome.UsersSynced > 0, $"{outcome.UsersSynced} synced");
        Assert.True(outcome.ExclusiveLockHeld < TimeSpan.FromSeconds(1), outcome.ExclusiveLockHeld.ToString());
        using (var c = Open(cs))
        {
            Assert.Equal(Rows(c, "snap.\"Profile\""), Rows(c, "matchmade.\"ProfileOld\""));
            Assert.Equal(outcome.RowsArchived, Scalar<long>(c, "SELECT count(*) FROM snap.\"Profile\""));
            // Moved, not copied: the archive is the old table's own file, with its own primary key and unique index under
            // Prisma's names (in the module's schema, beside the renamed ProfileNew's "Profile_pkey"), and no foreign key.
            Assert.Equal(oldFile, Scalar<long>(c, """SELECT pg_relation_filenode('matchmade."ProfileOld"')::bigint"""));
            Assert.Equal("Profile_contextProfileId_key,Profile_pkey", Scalar<string>(c, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'matchmade' AND tablename = 'ProfileOld'"));
            Assert.Equal("Profile_pkey PRIMARY KEY (id)", Scalar<string>(c, """SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '|' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'matchmade."ProfileOld"'::regclass"""));
            // The new rows are not rewritten: ids and createdAt of every user still there survive the final sync and the rename.
            var users = Scalar<string>(c, """SELECT string_agg(id, ',') FROM snap."User" """).Split(',').ToHashSet();
            var after = Scalar<string>(c, """SELECT string_agg(id || ' ' || "userId" || ' ' || "createdAt", ',' ORDER BY id) FROM "Profile" """).Split(',').ToHashSet();
            var kept = before.Where(r => users.Contains(r.Split(' ')[1])).ToList();
            Assert.True(kept.Count > 100);
            Assert.All(kept, r => Assert.Contains(r, after));
            Assert.Null(Scalar<string?>(c, "SELECT to_regclass('public.\"ProfileNew\"')::text"));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'matchmade%'"));
            Assert.Equal(
                "Profile_pkey PRIMARY KEY (id)|Profile_userId_fkey FOREIGN KEY (\"userId\") REFERENCES \"User\"(id) ON UPDATE CASCADE ON DELETE CASCADE",
                Scalar<string>(c, "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '|' ORDER BY conname) FROM pg_constraint WHERE conrelid = '\"Profile\"'::regclass"));
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM pg_indexes WHERE tablename = 'Profile' AND indexname = 'Profile_userId_key'"));
            Assert.Equal(
                Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(RepoRoot(), "docs/contract/cleanup-migration.sql")))).ToLowerInvariant(),
                Scalar<string>(c, "SELECT checksum FROM _prisma_migrations WHERE migration_name = @n AND finished_at IS NOT NULL AND rolled_back_at IS NULL", ("n", PrismaSchema.Cleanup.Name)));
            Assert.Equal("Complete Completed", Scalar<string>(c, "SELECT mode || ' ' || status FROM matchmade.run ORDER BY started_at DESC LIMIT 1"));
        }

        Assert.Equal(db.FreshMigrationAtCutOver(cs), ContentHash(cs));
    }

    [Fact]
    public void A_writer_during_the_completion_loses_nothing()
    {
        var cs = db.New(200);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        var writer = new AppWriter(cs);
        long landed = 0, failedCleanly = 0;
        var stop = false;
        Exception? writerFailure = null;
        var writing = new Thread(() =>
        {
            try
            {
                Write();
            }
            catch (Exception e)
            {
                writerFailure = e;
            }
        });

        void Write()
        {
            using var connection = writer.Open();
            while (!Volatile.Read(ref stop))
            {
                try
                {
                    writer.WriteOne(connection);
                    landed = writer.Done;
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn)
                {
                    failedCleanly++;
                }
            }
        }

        writing.Start();
        SpinWait.SpinUntil(() => writer.Done > 30, TimeSpan.FromSeconds(30));
        var outcome = Complete(cs, new CompletionOptions
        {
            BeforeExclusiveLock = () =>
            {
                // The app's statements now wait on the write lock; the writer stops, its waiting statement is
                // cancelled (it fails cleanly), and the old tables are kept as they are at the cut-over.
                Volatile.Write(ref stop, true);
                using var c = Open(cs);
                while (!writing.Join(50))
                {
                    Exec(c, "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'app writer' AND wait_event_type = 'Lock'");
                }

                SnapshotOldTables(cs);
            },
        });
        writing.Join();
        Assert.Null(writerFailure);
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.True(landed > 30, $"{landed} writes landed, {failedCleanly} failed cleanly");
        Assert.Equal(db.FreshMigrationAtCutOver(cs), ContentHash(cs));
        using var check = Open(cs);
        Assert.Equal(Rows(check, "snap.\"Profile\""), Rows(check, "matchmade.\"ProfileOld\""));
    }

    [Theory]
    [InlineData("BeforeWriteLock")]
    [InlineData("BeforeExclusiveLock")]
    [InlineData("BeforeCommit")]
    public void A_killed_backend_leaves_everything_as_it_was_and_the_next_completion_works(string when)
    {
        var cs = db.New(120, prismaHistory: true);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        new AppWriter(cs).Write(20);
        string before;
        using (var c = Open(cs))
        {
            before = Everything(c, history: false);
        }

        void Kill()
        {
            using var c = Open(cs);
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'Matchmade%' AND state = 'idle in transaction'"));
        }

        var killed = Complete(cs, when switch
        {
            "BeforeWriteLock" => new CompletionOptions { BeforeWriteLock = Kill },
            "BeforeExclusiveLock" => new CompletionOptions { BeforeExclusiveLock = Kill },
            _ => new CompletionOptions { BeforeCommit = Kill }, // the old table moved, the stand-in dropped, ProfileNew renamed: not committed
        });
        Assert.Equal(RunStatus.Failed, killed.Status);
        Assert.Equal("ConnectionLost", killed.Failure!.ErrorId);
        NpgsqlConnection.ClearAllPools();
        using (var c = Open(cs))
        {
            Assert.Equal(before, Everything(c, history: false));
            Assert.Equal("Complete Failed", Scalar<string>(c, "SELECT mode || ' ' || status FROM matchmade.run ORDER BY started_at DESC LIMIT 1"));
        }

        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
    }

    [Fact]
    public void A_connection_lost_while_the_run_history_starts_is_ConnectionLost_and_changes_nothing()
    {
        var cs = db.New(20);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        string before;
        using (var c = Open(cs))
        {
            // The server ends the run lock's session as the completion records its start (after the gates passed).
            Exec(c, """
                CREATE FUNCTION public.end_my_session() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$;
                CREATE TRIGGER end_my_session BEFORE INSERT ON matchmade.run FOR EACH ROW WHEN (NEW.mode = 'Complete') EXECUTE FUNCTION public.end_my_session();
                """);
            before = Everything(c);
        }

        var e = Assert.Throws<Matchmade.Core.Errors.MatchmadeException>(() => Complete(cs));
        Assert.Equal("ConnectionLost", e.ErrorId);
        Assert.Contains("run history", e.Message, StringComparison.Ordinal);
        NpgsqlConnection.ClearAllPools();
        using (var c = Open(cs))
        {
            Assert.Equal(before, Everything(c)); // not even a run in the history
            Exec(c, "DROP TRIGGER end_my_session ON matchmade.run; DROP FUNCTION public.end_my_session()");
        }

        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_user_the_app_signs_up_during_the_transition_is_the_syncs_and_leaves_the_stage_Migrated(bool tracking)
    {
        var cs = db.New(30);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs, new MigrationOptions { ChangeTracking = tracking }).Status);
        using (var c = Open(cs))
        {
            Exec(c, """INSERT INTO "User" (id, email, "updatedAt") VALUES ('app_signup', 'signup@matchmade.test', now())""");
        }

        // Tracked, the new user has a pending change: the sync's, as the completion's gate also counts it. Untracked, it
        // cannot be told from a user the migration missed.
        var status = Status(cs);
        Assert.Equal(1, status.UsersNotMigrated);
        Assert.Equal(tracking ? MigrationStage.Migrated : MigrationStage.Migrating, status.Stage);
        if (tracking)
        {
            Assert.Equal(1, status.PendingChangedUsers);
            using (var target = Target(cs))
            {
                Assert.Equal(1, new Matchmade.Core.Sync.SyncRunner(target, new Matchmade.Core.Sync.SyncOptions { ReportPath = db.Reports }, new RecordingLog()).Run(CancellationToken.None).UsersCreated);
            }

            Assert.Equal((0L, MigrationStage.Migrated), (Status(cs).UsersNotMigrated ?? -1, Status(cs).Stage));
        }
    }

    private static Matchmade.Core.Status.MigrationStatusInfo Status(string cs)
    {
        using var target = Target(cs);
        return Matchmade.Core.Status.StatusReader.Read(target, CancellationToken.None);
    }

    [Fact]
    public void Undo_of_a_completion_ignores_BackupPath_with_a_warning_whatever_it_names()
    {
        var cs = db.New(20);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        var existing = Path.Combine(db.Reports, "kept.jsonl");
        File.WriteAllText(existing, "mine");

        // -BackupPath does not apply to this step: neither an existing file nor a missing folder stops it, nor is written.
        foreach (var backup in new[] { existing, Path.Combine(db.Reports, "missing", "b.jsonl") })
        {
            Assert.Equal(RunStatus.Completed, Complete(cs).Status);
            var options = new Matchmade.Core.Rollback.UndoOptions { BackupPath = backup };
            Assert.Equal(Matchmade.Core.Rollback.UndoStep.Completion, Undo(cs, options with { DryRun = true }).Step);
            var log = new RecordingLog();
            var undo = Undo(cs, options, log);
            Assert.Equal(Matchmade.Core.Rollback.UndoStep.Completion, undo.Step);
            Assert.Null(undo.BackupPath);
            Assert.Contains(log.Warnings, w => w.Contains("-BackupPath", StringComparison.Ordinal) && w.Contains("ignored", StringComparison.Ordinal));
            Assert.Equal(MigrationStage.Migrated, Stage(cs));
            Assert.Equal(RunStatus.Completed, db.Sync(cs, new Matchmade.Core.Sync.SyncOptions { Full = true }).Status);
        }

        Assert.Equal("mine", File.ReadAllText(existing));
        Assert.False(Directory.Exists(Path.Combine(db.Reports, "missing")));

        // The step that does drop rows still refuses both.
        Assert.Equal("BackupExists", Assert.Throws<Matchmade.Core.Errors.MatchmadeException>(() => Undo(cs, new() { BackupPath = existing })).ErrorId);
        Assert.Equal("BackupPathNotWritable", Assert.Throws<Matchmade.Core.Errors.MatchmadeException>(() => Undo(cs, new() { BackupPath = Path.Combine(db.Reports, "missing", "b.jsonl") })).ErrorId);
        Assert.Equal(MigrationStage.Migrated, Stage(cs));
    }

    [Fact]
    public void Complete_undo_restores_the_transition_exactly_and_complete_again_works()
    {
        var cs = db.New(100, prismaHistory: true);
        Assert.Equal(MigrationStage.NotStarted, Stage(cs));
        Assert.Equal(RunStatus.Completed, db.Migrate(cs, new MigrationOptions { MaxUsers = 10 }).Status);
        Assert.Equal(MigrationStage.Migrating, Stage(cs));
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        Assert.Equal(MigrationStage.Migrated, Stage(cs));
        string catalog, oldRows, newRows;
        using (var c = Open(cs))
        {
            catalog = Catalog(c);
            oldRows = OldTablesHash(c);
            newRows = Rows(c, "\"ProfileNew\"") + Rows(c, "\"ContextIntent\"");
        }

        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        Assert.Equal(MigrationStage.Completed, Stage(cs));
        var undo = Undo(cs);
        Assert.Equal(Matchmade.Core.Rollback.UndoStep.Completion, undo.Step);
        Assert.Equal(undo.ArchiveRows, undo.RestoredRows);
        Assert.Equal(MigrationStage.Migrated, Stage(cs));
        using (var c = Open(cs))
        {
            Assert.Equal(catalog, Catalog(c)); // tables, columns, defaults, constraint and index names, tracking's triggers
            Assert.Equal(oldRows, OldTablesHash(c));
            Assert.Equal(newRows, Rows(c, "\"ProfileNew\"") + Rows(c, "\"ContextIntent\""));
            Assert.Null(Scalar<string?>(c, "SELECT to_regclass('matchmade.\"ProfileOld\"')::text"));
            Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM _prisma_migrations WHERE migration_name = @n AND rolled_back_at IS NOT NULL", ("n", PrismaSchema.Cleanup.Name)));
        }

        // Tracking is back but starts reset (the app's writes while completed were not tracked): -Full, then all is proven.
        Assert.Equal("TrackingReset", Assert.Throws<Matchmade.Core.Errors.MatchmadeException>(() => Complete(cs)).ErrorId);
        AssertResetUntilFull(cs);
        new AppWriter(cs).Write(10); // tracked again
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        Assert.Equal(Matchmade.Core.Rollback.UndoStep.Completion, Undo(cs).Step);
        var second = Undo(cs, new Matchmade.Core.Rollback.UndoOptions { Force = true });
        Assert.Equal(Matchmade.Core.Rollback.UndoStep.Migration, second.Step);
        Assert.True(second.Dropped);
        Assert.Equal(MigrationStage.RolledBack, Stage(cs));
    }

    /// <summary>
    /// Nothing tracks the app while the schema is completed, so after the undo the change record cannot say which users
    /// those writes changed: it must say it may miss changes (reset) until -Full has reconciled every user, not that
    /// nothing is pending while the Reconciliation fails.
    /// </summary>
    [Fact]
    public void After_undoing_a_completion_the_writes_made_while_completed_are_caught_by_the_full_sync_it_asks_for()
    {
        var cs = db.New(30, prismaHistory: true);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        using (var c = Open(cs))
        {
            // The app while completed: a context deleted, a user signed up, a context made the oldest (the merge order).
            Exec(c, """DELETE FROM "ContextProfile" WHERE id = (SELECT min(id) FROM "ContextProfile" WHERE "userId" = 'user_qa1')""");
            Exec(c, """INSERT INTO "User" (id, email, "updatedAt") VALUES ('user_while_completed', 'while@completed.test', now())""");
            Exec(c, """UPDATE "ContextProfile" SET "createdAt" = "createdAt" - interval '10 years' WHERE id = (SELECT id FROM "ContextProfile" WHERE "userId" = 'user_qa2' ORDER BY "createdAt" DESC LIMIT 1)""");
        }

        var log = new RecordingLog();
        Assert.Equal(Matchmade.Core.Rollback.UndoStep.Completion, Undo(cs, log: log).Step);
        Assert.Contains(log.Warnings, w => w.Contains("Sync-ProfileMigration -Full", StringComparison.Ordinal));
        using (var target = Target(cs))
        {
            var failed = new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).Where(r => !r.Passed).Select(r => r.Name);
            Assert.Contains("Reconciliation", failed); // what the untracked writes did; the change record must not say all is synced
        }

        AssertResetUntilFull(cs);
    }

    /// <summary>
    /// Right after an undo of a completion: tracking reset, PendingChanges failing and a plain sync refused, each asking
    /// for -Full; after Sync-ProfileMigration -Full every integrity check passes and tracking is installed.
    /// </summary>
    private void AssertResetUntilFull(string cs)
    {
        using (var target = Target(cs))
        {
            var tracking = ChangeTracking.Read(Open(cs), null, target.Schemas);
            Assert.True(tracking.Reset && !tracking.Installed, tracking.Status);
            var pending = new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).Single(r => r.Name == "PendingChanges");
            Assert.False(pending.Passed);
            Assert.Contains("stepped back from a completion", pending.Detail, StringComparison.Ordinal);
        }

        var refused = Assert.Throws<Matchmade.Core.Errors.MatchmadeException>(() => db.Sync(cs));
        Assert.Equal("TrackingReset", refused.ErrorId);
        Assert.Equal(RunStatus.Completed, db.Sync(cs, new Matchmade.Core.Sync.SyncOptions { Full = true }).Status);
        using (var target = Target(cs))
        {
            Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
            Assert.True(ChangeTracking.Read(Open(cs), null, target.Schemas).Installed);
        }
    }

    [Fact]
    public void The_app_deletes_after_the_completion_leave_the_archive_alone_and_undo_restores_the_rest()
    {
        var cs = db.New(30, prismaHistory: true);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        long archived, gone;
        using (var c = Open(cs))
        {
            archived = Scalar<long>(c, """SELECT count(*) FROM matchmade."ProfileOld" """);
            gone = Scalar<long>(c, """SELECT count(*) FROM matchmade."ProfileOld" a JOIN "ContextProfile" cp ON cp.id = a."contextProfileId" WHERE cp."userId" = 'user_qa1'""");
            Exec(c, """DELETE FROM "User" WHERE id = 'user_qa1'"""); // cascades to ContextProfile and the new Profile; the archive has no foreign key
            Assert.Equal(archived, Scalar<long>(c, """SELECT count(*) FROM matchmade."ProfileOld" """));
        }

        Assert.True(gone > 0);
        var undo = Undo(cs);
        Assert.Equal(archived, undo.ArchiveRows);
        Assert.Equal(archived - gone, undo.RestoredRows);
        using var check = Open(cs);
        Assert.Equal(archived - gone, Scalar<long>(check, """SELECT count(*) FROM "Profile" """));
        Assert.Equal(
            "Profile_contextProfileId_fkey FOREIGN KEY (\"contextProfileId\") REFERENCES \"ContextProfile\"(id) ON UPDATE CASCADE ON DELETE CASCADE|Profile_pkey PRIMARY KEY (id)",
            Scalar<string>(check, "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), '|' ORDER BY conname) FROM pg_constraint WHERE conrelid = '\"Profile\"'::regclass"));
    }

    [Fact]
    public void WhatIf_gives_the_plan_and_changes_nothing()
    {
        var cs = db.New(40);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        string before;
        using (var c = Open(cs))
        {
            before = Everything(c);
        }

        var plan = Complete(cs, new CompletionOptions { DryRun = true });
        Assert.True(plan.DryRun);
        Assert.All(plan.Gates, g => Assert.True(g.Passed, g.Detail));
        Assert.Contains(plan.Plan, p => p.Contains("SHARE ROW EXCLUSIVE", StringComparison.Ordinal));
        Assert.Contains(plan.Plan, p => p.Contains("ACCESS EXCLUSIVE", StringComparison.Ordinal));
        using var check = Open(cs);
        Assert.Equal(Scalar<long>(check, "SELECT count(*) FROM \"Profile\""), plan.RowsArchived);
        Assert.Equal(before, Everything(check));
    }

    private static string ContentHash(string cs)
    {
        using var c = Open(cs);
        return NewTablesContentHash(c, profileTable: "Profile");
    }

    private static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Matchmade.slnx")))
        {
            dir = Path.GetDirectoryName(dir)!;
        }

        return dir;
    }
}
