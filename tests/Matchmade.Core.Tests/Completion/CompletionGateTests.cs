using Matchmade.Core.Completion;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Core.Tests.Completion.CompletionDb;
using static Matchmade.Tests.Shared.DbAssert;
using static Matchmade.Tests.Shared.DbCatalog;

namespace Matchmade.Core.Tests.Completion;

/// <summary>Each gate refuses with its own error id and changes nothing; -Force without tracking; the archive's removal; a hostile schema name.</summary>
public sealed class CompletionGateTests : IDisposable
{
    private readonly CompletionDb db = new();

    public void Dispose() => db.Dispose();

    [Theory]
    [InlineData("TablesNotFound")]
    [InlineData("MigrationNotFinished")]
    [InlineData("LastRunNotClean")]
    [InlineData("TrackingNotInstalled")]
    [InlineData("TrackingReset")]
    [InlineData("IntegrityCheckFailed")]
    [InlineData("ArchiveExists")]
    [InlineData("ArchiveNameTaken")]
    [InlineData("OldTableHasDependents")]
    [InlineData("AlreadyCompleted")]
    public void Each_gate_refuses_with_its_own_error_and_changes_nothing(string errorId)
    {
        var cs = db.New(30);
        switch (errorId)
        {
            case "TablesNotFound":
                break;
            case "MigrationNotFinished":
                db.Migrate(cs, new MigrationOptions { MaxUsers = 5 });
                break;
            case "LastRunNotClean":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    Exec(c, "UPDATE matchmade.run SET status = 'Cancelled'");
                }

                break;
            case "TrackingNotInstalled":
                db.Migrate(cs, new MigrationOptions { ChangeTracking = false });
                break;
            case "TrackingReset":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    Exec(c, "DELETE FROM matchmade.tracking_marker"); // what crash recovery does to the unlogged marker
                }

                break;
            case "IntegrityCheckFailed":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    // A stored row changed behind the module's back: no change record explains it.
                    Exec(c, """UPDATE "ProfileNew" SET location = 'Nowhere' WHERE id = (SELECT min(id) FROM "ProfileNew")""");
                }

                break;
            case "ArchiveExists":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    Exec(c, """CREATE TABLE matchmade."ProfileOld" (id text)""");
                }

                break;
            case "ArchiveNameTaken":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    // Names the old table brings into the module's schema when it is moved there: an index's, its row type's.
                    Exec(c, """CREATE TABLE matchmade."Profile_pkey" (id text)""");
                    Exec(c, """CREATE TYPE matchmade."Profile" AS ENUM ('x')""");
                }

                break;
            case "OldTableHasDependents":
                db.Migrate(cs);
                using (var c = Open(cs))
                {
                    // Both would follow the old table into the archive: a view reading it, another table's foreign key to it.
                    Exec(c, """CREATE VIEW "ProfileBlobs" AS SELECT id, data FROM "Profile" """);
                    Exec(c, """CREATE TABLE "ProfileNote" (id text PRIMARY KEY, "profileId" text REFERENCES "Profile"(id))""");
                }

                break;
            case "AlreadyCompleted":
                db.Migrate(cs);
                Assert.Equal(RunStatus.Completed, Complete(cs).Status);
                break;
        }

        string before;
        using (var c = Open(cs))
        {
            before = Everything(c);
        }

        var refused = Assert.Throws<MatchmadeException>(() => Complete(cs));
        Assert.Equal(errorId, refused.ErrorId);
        if (errorId == "TrackingReset")
        {
            Assert.Contains("Run Sync-ProfileMigration -Full", refused.Message, StringComparison.Ordinal); // not "Invoke-ProfileMigration", which cannot clear a reset
        }

        if (errorId == "OldTableHasDependents")
        {
            Assert.Contains("view or rule \"ProfileBlobs\"", refused.Message, StringComparison.Ordinal);
            Assert.Contains("foreign key \"ProfileNote_profileId_fkey\" of \"ProfileNote\"", refused.Message, StringComparison.Ordinal);
        }

        if (errorId == "ArchiveNameTaken")
        {
            Assert.Contains("named \"Profile\", \"Profile_pkey\", \"_Profile\":", refused.Message, StringComparison.Ordinal);
        }

        var plan = Complete(cs, new CompletionOptions { DryRun = true });
        Assert.Contains(plan.Gates, g => g.ErrorId == errorId);
        using var check = Open(cs);
        Assert.Equal(before, Everything(check));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_app_transaction_holding_the_old_tables_makes_the_cut_over_retry_then_go_on_or_fail_with_nothing_changed(bool released)
    {
        var cs = db.New(30);
        db.Migrate(cs);
        string before;
        using (var c = Open(cs))
        {
            before = Everything(c, history: false);
        }

        var app = Open(cs);
        var log = new RecordingLog();
        Thread? release = null;
        var outcome = Complete(cs, new CompletionOptions
        {
            LockTimeout = TimeSpan.FromMilliseconds(300),
            MaxRetries = 3,
            BeforeWriteLock = () =>
            {
                // An app transaction that has written the old Profile table (ROW EXCLUSIVE) and stays open.
                Exec(app, """BEGIN; UPDATE "Profile" SET "updatedAt" = "updatedAt" WHERE false""");
                if (released)
                {
                    release = new Thread(() =>
                    {
                        Thread.Sleep(700);
                        Exec(app, "COMMIT");
                    });
                    release.Start();
                }
            },
        }, log);
        release?.Join();
        app.Dispose();
        Assert.Contains(log.Warnings, w => w.Contains("was not granted within", StringComparison.Ordinal));
        if (released)
        {
            Assert.Equal(RunStatus.Completed, outcome.Status);
            Assert.True(outcome.LockRetries > 0 && outcome.WriteLockWait >= TimeSpan.FromMilliseconds(300), $"{outcome.LockRetries} retries, waited {outcome.WriteLockWait}");
            return;
        }

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("LockTimeout", outcome.Failure!.ErrorId);
        NpgsqlConnection.ClearAllPools();
        using var check = Open(cs);
        Assert.Equal(before, Everything(check, history: false));
    }

    [Fact]
    public void A_user_the_final_sync_cannot_write_rolls_the_cut_over_back_and_stays_pending()
    {
        var cs = db.New(30);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        string before;
        using (var c = Open(cs))
        {
            // A constraint a DBA added to the new table, which one user's pending change breaks; another user's change
            // is fine. The final sync writes both in one batch, redone user by user when the first breaks it.
            Exec(c, """ALTER TABLE "ProfileNew" ADD CONSTRAINT dba_no_poison CHECK ("location" IS DISTINCT FROM 'Poison')""");
            Exec(c, """
                UPDATE "Profile" p SET data = p.data || jsonb_build_object('location', CASE WHEN cp."userId" = (SELECT min("userId") FROM "ContextProfile") THEN 'Poison' ELSE 'Elsewhere' END)
                FROM "ContextProfile" cp
                WHERE cp.id = p."contextProfileId" AND jsonb_typeof(p.data) = 'object'
                  AND cp."userId" IN (SELECT "userId" FROM "ContextProfile" ORDER BY "userId" LIMIT 4)
                """);
            before = Everything(c, history: false);
        }

        var outcome = Complete(cs);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("CutOverSyncFailed", outcome.Failure?.ErrorId);
        Assert.Contains("could not write 1 users", outcome.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("check constraint \"dba_no_poison\"", outcome.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(MigrationStage.Migrated, Stage(cs));
        using var check = Open(cs);
        Assert.Equal(before, Everything(check, history: false)); // the old tables, the new ones, the change records
    }

    [Fact]
    public void Force_without_tracking_reconciles_every_user_under_the_lock()
    {
        var cs = db.New(80);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs, new MigrationOptions { ChangeTracking = false }).Status);
        new AppWriter(cs).Write(30); // not tracked
        var log = new RecordingLog();
        var outcome = Complete(cs, new CompletionOptions { Force = true, BeforeExclusiveLock = () => SnapshotOldTables(cs) }, log);
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.True(outcome.UsersSynced > 0);
        Assert.Contains(log.Warnings, w => w.Contains("full reconciliation", StringComparison.Ordinal));
        var fresh = db.FreshMigrationAtCutOver(cs);
        using var c = Open(cs);
        Assert.Equal(fresh, NewTablesContentHash(c, profileTable: "Profile"));
    }

    [Fact]
    public void The_archive_is_kept_while_undo_needs_it_and_removed_only_when_asked()
    {
        var cs = db.New(20);
        db.Migrate(cs);
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        var refused = Assert.Throws<MatchmadeException>(() => Complete(cs, new CompletionOptions { RemoveArchive = true }));
        Assert.Equal("ArchiveStillNeeded", refused.ErrorId);
        using (var c = Open(cs))
        {
            // A completion older than the retention: the archive may go without -Force.
            Exec(c, "UPDATE matchmade.run SET finished_at = now() - interval '8 days' WHERE mode = 'Complete'");
        }

        Assert.True(Complete(cs, new CompletionOptions { RemoveArchive = true, DryRun = true }).Gates.All(g => g.Passed));
        Assert.True(Complete(cs, new CompletionOptions { RemoveArchive = true }).ArchiveRemoved);
        Assert.Equal("ArchiveNotFound", Assert.Throws<MatchmadeException>(() => Complete(cs, new CompletionOptions { RemoveArchive = true, Force = true })).ErrorId);
        Assert.Equal("ArchiveNotFound", Assert.Throws<MatchmadeException>(() => Undo(cs)).ErrorId);
        using var target = Target(cs);
        var status = Matchmade.Core.Status.StatusReader.Read(target, CancellationToken.None);
        Assert.Equal(MigrationStage.Completed, status.Stage);
        Assert.False(status.ArchivePresent);
    }

    [Fact]
    public void Complete_after_the_archive_is_removed_does_not_send_the_dba_to_an_undo_that_would_refuse()
    {
        var cs = db.New(20);
        db.Migrate(cs);
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        Assert.Contains("Undo-ProfileMigration steps back", Assert.Throws<MatchmadeException>(() => Complete(cs)).Message, StringComparison.Ordinal);
        Assert.True(Complete(cs, new CompletionOptions { RemoveArchive = true, Force = true }).ArchiveRemoved);

        var refused = Assert.Throws<MatchmadeException>(() => Complete(cs));
        Assert.Equal("AlreadyCompleted", refused.ErrorId);
        Assert.DoesNotContain("Undo-ProfileMigration steps back", refused.Message, StringComparison.Ordinal);
        Assert.Contains("archive matchmade.ProfileOld was removed", refused.Message, StringComparison.Ordinal);
        var undo = Assert.Throws<MatchmadeException>(() => Undo(cs));
        Assert.Equal("ArchiveNotFound", undo.ErrorId);
        // What the DBA can do instead: nothing is needed for the app, and the old rows are in a backup, if anywhere.
        Assert.Contains("the app runs on the new tables", undo.Message, StringComparison.Ordinal);
        Assert.EndsWith("restore the old Profile table from a backup of the database taken before -RemoveArchive, into another schema or database, and read them there.", undo.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoveArchive_waits_at_most_the_lock_timeout_for_a_session_reading_the_archive()
    {
        var cs = db.New(20);
        db.Migrate(cs);
        Assert.Equal(RunStatus.Completed, Complete(cs).Status);
        using var reader = Open(cs);
        Exec(reader, """BEGIN; SELECT count(*) FROM matchmade."ProfileOld" """); // a report or pg_dump reading the archive

        var removal = Task.Run(() => Complete(cs, new CompletionOptions { RemoveArchive = true, Force = true, LockTimeout = TimeSpan.FromSeconds(1) }));
        // Before: DROP TABLE queued behind the reader without a bound (and every later reader of the archive behind it).
        Assert.True(await Task.WhenAny(removal, Task.Delay(TimeSpan.FromSeconds(30))) == removal, "-RemoveArchive still waiting for the archive's lock after 30 s");
        var failed = await Assert.ThrowsAsync<MatchmadeException>(() => removal);
        Assert.Equal("LockTimeout", failed.ErrorId);

        Exec(reader, "ROLLBACK");
        using (var c = Open(cs))
        {
            Assert.NotNull(Scalar<string?>(c, """SELECT to_regclass('matchmade."ProfileOld"')::text"""));
        }

        Assert.True(Complete(cs, new CompletionOptions { RemoveArchive = true, Force = true, LockTimeout = TimeSpan.FromSeconds(1) }).ArchiveRemoved);
    }

    [Fact]
    public void Complete_and_undo_in_schemas_named_like_an_injection()
    {
        const string Schema = "app \"x\"; DROP TABLE \"User\"; -- ü";
        const string State = "mm state \"; --";
        var cs = TestServer.Shared.CreateDatabase("hostile-complete", Schema);
        try
        {
            using (var c = Open(cs))
            {
                SampleData.LoadQaUsers(c, Schema);
                SampleData.LoadSynthetic(c, 40, seed: 3, schema: Schema);
            }

            var request = new ConnectionRequest { ConnectionString = cs, Schema = Schema, StateSchema = State };
            using (var target = DatabaseTarget.Create(request))
            {
                Assert.Equal(RunStatus.Completed, new MigrationRunner(target, new MigrationOptions { ReportPath = db.Reports }, new RecordingLog()).Run(CancellationToken.None).Status);
                new AppWriter(cs, Schema).Write(15);
                var outcome = new CompletionRunner(target, new CompletionOptions(), new RecordingLog()).Run(CancellationToken.None);
                Assert.Equal(RunStatus.Completed, outcome.Status);
                Assert.True(outcome.UsersSynced > 0);
                Assert.Equal(UndoStep.Completion, UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None).Step);
                // The undo leaves tracking reset (nothing tracked the app while completed): -Full re-arms it, in these schemas too.
                Assert.Equal(RunStatus.Completed, new Matchmade.Core.Sync.SyncRunner(target, new Matchmade.Core.Sync.SyncOptions { Full = true, ReportPath = db.Reports }, new RecordingLog()).Run(CancellationToken.None).Status);
                Assert.Equal(RunStatus.Completed, new CompletionRunner(target, new CompletionOptions(), new RecordingLog()).Run(CancellationToken.None).Status);
            }

            using var check = Open(cs);
            Assert.Equal(
                Scalar<long>(check, "SELECT count(*) FROM \"app \"\"x\"\"; DROP TABLE \"\"User\"\"; -- ü\".\"Profile\""),
                Scalar<long>(check, "SELECT count(*) FROM \"app \"\"x\"\"; DROP TABLE \"\"User\"\"; -- ü\".\"User\""));
            Assert.True(Scalar<long>(check, "SELECT count(*) FROM \"mm state \"\"; --\".\"ProfileOld\"") > 0);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            TestServer.Shared.DropDatabase(cs);
        }
    }
}
