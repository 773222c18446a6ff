using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>Runs that meet trouble: a second run at once, the app's locks, timeouts, kills, stop requests, a full disk.</summary>
public sealed partial class MigrationRunnerTests
{
    [Fact]
    public void A_second_run_is_refused_at_once_naming_the_holder()
    {
        var cs = NewDatabase(qa: true);
        using var holder = Open(cs);
        var pid = Scalar<int>(holder, "SELECT pg_backend_pid()");
        Exec(holder, $"SELECT pg_advisory_lock({RunLock.ClassId}, {RunLock.ObjectId})");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<MatchmadeException>(() => Run(cs));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal("MigrationInProgress", e.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, e.Kind);
        Assert.Contains($"pid {pid}", e.Message, StringComparison.Ordinal);
        Assert.Contains("application_name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_real_runs_at_once_the_second_and_an_undo_are_refused_naming_the_first_which_goes_on()
    {
        var reference = NewDatabase(qa: true, synthetic: 1000);
        Run(reference, new MigrationOptions { BatchSize = 20 });
        string expected;
        using (var c = Open(reference))
        {
            expected = NewTablesContentHash(c);
        }

        var cs = NewDatabase(qa: true, synthetic: 1000);
        MatchmadeException? second = null, undo = null;
        int? holderPid = null;
        long writtenWhenRefused = -1;
        var log = new RecordingLog();
        log.OnProgress = p =>
        {
            // Run A has reported its first batch; its worker is writing the next ones meanwhile.
            if (second is not null || !p.Status.StartsWith("Migrated ", StringComparison.Ordinal))
            {
                return;
            }

            using (var admin = Open(cs))
            {
                // This database's holder: tests running at the same time hold the same lock in their own databases.
                holderPid = Scalar<int>(admin, $"SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = {RunLock.ClassId} AND objid = {RunLock.ObjectId} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
                writtenWhenRefused = Scalar<long>(admin, "SELECT count(*) FROM \"ProfileNew\"");
            }

            second = Assert.Throws<MatchmadeException>(() => Run(cs, new MigrationOptions { BatchSize = 20 }));
            using var target = Target(cs);
            undo = Assert.Throws<MatchmadeException>(() => Matchmade.Core.Rollback.UndoRunner.Run(target, new Matchmade.Core.Rollback.UndoOptions(), new RecordingLog(), CancellationToken.None));
        };
        var first = RunWith(cs, new MigrationOptions { BatchSize = 20 }, log);

        Assert.NotNull(second);
        Assert.NotNull(undo);
        Assert.True(writtenWhenRefused is > 0 and < 1003, $"{writtenWhenRefused} written when refused");
        foreach (var refused in new[] { second!, undo! })
        {
            Assert.Equal("MigrationInProgress", refused.ErrorId);
            Assert.Equal(FailureKind.ResourceBusy, refused.Kind);
            Assert.Contains($"pid {holderPid}", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"application_name '{DatabaseTarget.ApplicationName}'", refused.Message, StringComparison.Ordinal);
        }

        // A is unaffected: every user, the same rows as a run alone, one run in the history.
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal((1003L, 0L, 0L), (first.UsersMigrated, first.UsersFailed, first.Errors));
        using var check = Open(cs);
        Assert.Equal(expected, NewTablesContentHash(check));
        Assert.Equal(0L, HalfMigratedRows(check));
        Assert.Equal("Completed", Scalar<string>(check, "SELECT string_agg(status, ',') FROM matchmade.run"));
        Assert.Equal(2L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
    }

    [Fact]
    public void A_user_whose_rows_cannot_be_written_is_reported_and_the_rest_go_on()
    {
        var cs = NewDatabase(qa: true, synthetic: 60);
        using (var c = Open(cs))
        {
            Exec(c, File.ReadAllText(RepoFile("src/Matchmade.Core/Schema/Sql/migration.sql")));
            // The app wrote a ContextIntent for this user without a ProfileNew: the module's insert collides.
            Exec(c, "INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", \"updatedAt\") SELECT 'app-written', \"userId\", 'romantic', now() FROM \"ContextProfile\" WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'romantic'");
        }

        var outcome = Run(cs, new MigrationOptions { BatchSize = 1000 });
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(1, outcome.UsersFailed);
        Assert.Equal(outcome.UsersTotal - 1, outcome.UsersMigrated);
        using var report = JsonDocument.Parse(File.ReadAllText(outcome.ReportPath!));
        var error = Assert.Single(report.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("user_qa1", error.GetProperty("userId").GetString());
        Assert.Contains("-Force", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        using var c2 = Open(cs);
        Assert.Equal(0L, Scalar<long>(c2, "SELECT count(*) FROM \"ProfileNew\" WHERE \"userId\" = 'user_qa1'"));

        var forced = Run(cs, new MigrationOptions { Force = true, UserIds = ["user_qa1"] });
        Assert.Equal(1, forced.UsersMigrated);
        Assert.Equal(0, forced.UsersFailed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_run_killed_mid_batch_resumes_to_the_same_content_as_an_uninterrupted_run(int workers)
    {
        var reference = NewDatabase(qa: true, synthetic: 500);
        Run(reference, new MigrationOptions { BatchSize = 50 });
        string expected;
        using (var c = Open(reference))
        {
            expected = NewTablesContentHash(c);
        }

        var killed = NewDatabase(qa: true, synthetic: 500);
        var log = new RecordingLog();
        var terminated = false;
        log.OnProgress = p =>
        {
            if (!terminated && p.Status.StartsWith("Migrated 100 ", StringComparison.Ordinal))
            {
                terminated = true;
                using var admin = Open(killed);
                Exec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'Matchmade%' AND pid <> pg_backend_pid()");
            }
        };
        var interrupted = RunWith(killed, new MigrationOptions { BatchSize = 50, ThrottleLimit = workers }, log);
        Assert.True(terminated);
        Assert.Equal(RunStatus.Failed, interrupted.Status);
        Assert.Equal("ConnectionLost", interrupted.Failure!.ErrorId);

        long committed;
        using (var c = Open(killed))
        {
            // Only whole users: every ProfileNew has all its ContextIntents and no ContextIntent lacks its ProfileNew.
            Assert.Equal(0L, HalfMigratedRows(c));
            committed = Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\"");
            Assert.True(committed >= 100, $"{committed} committed");
            // The run history counts exactly what its committed batches wrote.
            Assert.Equal(committed, Scalar<long>(c, "SELECT users_migrated FROM matchmade.run"));
            Assert.Equal(committed, Scalar<long>(c, "SELECT count(*) FROM matchmade.migrated_user"));
            if (workers == 1)
            {
                // Whole batches, not just whole users: a commit per user would leave a part of the batch the kill hit.
                // (Every batch of one worker has 50 users here; a batch's users share its write time.)
                Assert.Equal(0, committed % 50);
                Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM (SELECT migrated_at FROM matchmade.migrated_user GROUP BY 1 HAVING count(*) % 50 <> 0) b"));
            }
        }

        // The findings journal kept the committed batches' findings, in the batches' own transactions: exactly the
        // users' findings of the run's report (which had them from the batches it was handed once they committed).
        using (var journalTarget = Target(killed))
        {
            var reported = EntryLines(ReportReader.ReadEntries(interrupted.ReportPath!).Where(e => e.UserId is not null));
            Assert.NotEmpty(reported);
            Assert.Equal(reported, EntryLines(FindingsJournal.Read(journalTarget, interrupted.RunId, null, null, CancellationToken.None)));
        }

        var resumed = Run(killed, new MigrationOptions { BatchSize = 50, ThrottleLimit = workers });
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.Equal(committed, resumed.UsersSkipped);
        Assert.Equal(503 - committed, resumed.UsersMigrated);
        using var check = Open(killed);
        Assert.Equal(expected, NewTablesContentHash(check));
        Assert.Equal("Completed,Interrupted", Scalar<string>(check, "SELECT string_agg(status, ',' ORDER BY status) FROM matchmade.run"));
        // The resumed run's report is written, so its journal rows are gone; the interrupted run's stay (no report of its own recorded).
        Assert.Equal(interrupted.RunId.ToString(), Scalar<string>(check, "SELECT string_agg(DISTINCT run_id::text, ',') FROM matchmade.run_finding"));
    }

    [Fact]
    public void Workers_migrate_every_user_once_and_report_the_same_findings_and_counts_as_one_worker()
    {
        var one = NewDatabase(qa: true, synthetic: 600);
        var three = NewDatabase(qa: true, synthetic: 600);
        var single = Run(one, new MigrationOptions { BatchSize = 40 });
        var log = new RecordingLog();
        var parallel = RunWith(three, new MigrationOptions { BatchSize = 40, ThrottleLimit = 3 }, log);
        Assert.Equal(RunStatus.Completed, parallel.Status);
        Assert.Contains(log.Verbose, v => v.StartsWith("3 workers over disjoint ranges", StringComparison.Ordinal));
        // The run states the GC it runs on (the test host has pwsh's default: workstation, background collections).
        Assert.Contains("Garbage collector: workstation GC, background collections on, latency mode Interactive (pwsh's default", log.Verbose[0], StringComparison.Ordinal);
        Assert.Equal(
            (single.UsersMigrated, single.ContextIntentsWritten, single.Conflicts, single.UnmappedFields, single.InvalidValues, single.Errors),
            (parallel.UsersMigrated, parallel.ContextIntentsWritten, parallel.Conflicts, parallel.UnmappedFields, parallel.InvalidValues, parallel.Errors));
        Assert.Equal(FindingSet(single.ReportPath!), FindingSet(parallel.ReportPath!));
        using var a = Open(one);
        using var b = Open(three);
        Assert.Equal(NewTablesContentHash(a), NewTablesContentHash(b));
        Assert.Equal(603L, Scalar<long>(b, "SELECT count(DISTINCT \"userId\") FROM \"ProfileNew\""));
        Assert.Equal("603", Scalar<string>(b, "SELECT users_migrated::text FROM matchmade.run"));

        // Re-running with workers skips everyone.
        var again = Run(three, new MigrationOptions { ThrottleLimit = 3 });
        Assert.Equal((0L, 603L), (again.UsersMigrated, again.UsersSkipped));
    }

    [Fact]
    public void Stop_request_finishes_the_current_batch_and_returns_Cancelled()
    {
        var cs = NewDatabase(qa: true, synthetic: 300);
        using var stop = new CancellationTokenSource();
        var log = new RecordingLog { OnProgress = _ => stop.Cancel() };
        using var target = Target(cs);
        var outcome = new MigrationRunner(target, new MigrationOptions { BatchSize = 25, ReportPath = reportDirectory }, log).Run(stop.Token);
        Assert.Equal(RunStatus.Cancelled, outcome.Status);
        // Stopped when batch 1 was reported: the worker, a batch or so ahead, finishes the batch it is writing and
        // stops there; whole batches only, and not everyone.
        Assert.True(outcome.UsersMigrated is >= 25 and < 303 && outcome.UsersMigrated % 25 == 0, $"{outcome.UsersMigrated} migrated");
        using var report = JsonDocument.Parse(File.ReadAllText(outcome.ReportPath!));
        Assert.Equal("Cancelled", report.RootElement.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(outcome.UsersMigrated, report.RootElement.GetProperty("counts").GetProperty("usersMigrated").GetInt64());
        using var c = Open(cs);
        Assert.Equal(outcome.UsersMigrated, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal("Cancelled", Scalar<string>(c, "SELECT status FROM matchmade.run"));
    }

    [Fact]
    public void A_lock_the_app_holds_makes_the_batch_wait_at_most_lock_timeout_retry_with_jitter_and_then_fail_clearly()
    {
        var cs = NewDatabase(qa: true, synthetic: 20);
        Run(cs, new MigrationOptions { MaxUsers = 1 }); // the schema step is done; the rest is still to migrate
        using var app = Open(cs);
        using var appTransaction = app.BeginTransaction();
        // SHARE is what a plain CREATE INDEX takes: reads go on, COPY into the table must wait.
        using (var lockTable = new NpgsqlCommand("LOCK TABLE \"ContextIntent\" IN SHARE MODE", app, appTransaction))
        {
            lockTable.ExecuteNonQuery();
        }

        var log = new RecordingLog();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = RunWith(cs, new MigrationOptions { LockTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 2 }, log);
        watch.Stop();
        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("LockTimeout", outcome.Failure!.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, outcome.Failure.Kind);
        Assert.Equal(2, log.Warnings.Count(w => w.Contains("retry", StringComparison.Ordinal)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        using (var report = JsonDocument.Parse(File.ReadAllText(outcome.ReportPath!)))
        {
            Assert.Equal("Failed", report.RootElement.GetProperty("run").GetProperty("status").GetString());
            Assert.Equal("LockTimeout", report.RootElement.GetProperty("errors")[0].GetProperty("errorId").GetString());
        }

        // Released during the retries, the run goes through.
        var release = new Thread(() =>
        {
            Thread.Sleep(500);
            appTransaction.Rollback();
        });
        release.Start();
        var second = RunWith(cs, new MigrationOptions { LockTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 5 }, new RecordingLog());
        release.Join();
        Assert.Equal(RunStatus.Completed, second.Status);
        Assert.Equal(second.UsersTotal - 1, second.UsersMigrated);
    }

    [Fact]
    public void Statement_timeout_stops_the_run_with_one_clear_error_and_leaves_only_whole_users()
    {
        var cs = NewDatabase(qa: true, synthetic: 40);
        Run(cs, new MigrationOptions { MaxUsers = 1 });
        using var app = Open(cs);
        Exec(app, $"ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(cs).Database}\" SET statement_timeout = '700ms'");
        using var appTransaction = app.BeginTransaction();
        using (var lockTable = new NpgsqlCommand("LOCK TABLE \"ContextIntent\" IN SHARE MODE", app, appTransaction))
        {
            lockTable.ExecuteNonQuery();
        }

        // lock_timeout is long; statement_timeout (the DBA's, set on the database) cancels the waiting COPY first.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = RunWith(cs, new MigrationOptions { LockTimeout = TimeSpan.FromSeconds(60), BatchSize = 10 }, new RecordingLog());
        watch.Stop();
        appTransaction.Rollback();
        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("StatementTimeout", outcome.Failure!.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, outcome.Failure.Kind);
        Assert.Contains("statement_timeout", outcome.Failure.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        using (var report = JsonDocument.Parse(File.ReadAllText(outcome.ReportPath!)))
        {
            Assert.Equal("StatementTimeout", Assert.Single(report.RootElement.GetProperty("errors").EnumerateArray()).GetProperty("errorId").GetString());
        }

        using var c = Open(cs);
        Assert.Equal(1L, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(0L, HalfMigratedRows(c));
        Assert.Equal("Completed,Failed", Scalar<string>(c, "SELECT string_agg(status, ',' ORDER BY status) FROM matchmade.run"));
    }

    [TmpfsFact]
    public void A_full_report_location_is_refused_before_anything_is_written()
    {
        var cs = NewDatabase(qa: true, synthetic: 20);
        var full = TmpfsFactAttribute.Mount(kilobytes: 64);
        try
        {
            try
            {
                File.WriteAllBytes(Path.Combine(full, "filler"), new byte[128 * 1024]);
            }
            catch (IOException)
            {
                // No space left: what we wanted.
            }

            string before;
            using (var c = Open(cs))
            {
                before = WholeDatabaseHash(c);
            }

            var e = Assert.Throws<MatchmadeException>(() => RunWith(cs, new MigrationOptions { ReportPath = full }, new RecordingLog()));
            Assert.Equal("ReportPathNotWritable", e.ErrorId);
            Assert.Equal(FailureKind.WriteError, e.Kind);
            Assert.Contains("free space", e.Message, StringComparison.Ordinal);
            using (var c = Open(cs))
            {
                Assert.Equal(before, WholeDatabaseHash(c));
            }

            Assert.Equal(["filler"], Directory.GetFiles(full).Select(Path.GetFileName));
        }
        finally
        {
            TmpfsFactAttribute.Unmount(full);
        }
    }

    [TmpfsFact]
    public void A_disk_that_fills_during_the_run_stops_it_with_one_clear_error_and_the_history_says_so()
    {
        var cs = NewDatabase(qa: true, synthetic: 4000);
        var small = TmpfsFactAttribute.Mount(kilobytes: 192); // room for the start-up probe, not for 4,000 users' findings
        try
        {
            var e = Assert.Throws<MatchmadeException>(() => RunWith(cs, new MigrationOptions { ReportPath = small, BatchSize = 250 }, new RecordingLog()));
            Assert.Equal("ReportWriteFailed", e.ErrorId);
            Assert.Equal(FailureKind.WriteError, e.Kind);
            using var c = Open(cs);
            Assert.Equal("Failed", Scalar<string>(c, "SELECT status FROM matchmade.run"));
            Assert.Contains("report", Scalar<string>(c, "SELECT message FROM matchmade.run"), StringComparison.Ordinal);
            // Whole users only, and the run stopped early.
            var migrated = Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\"");
            Assert.InRange(migrated, 1, 4002);
            Assert.Equal(0L, HalfMigratedRows(c));
            Assert.Empty(Directory.GetFiles(small));
        }
        finally
        {
            TmpfsFactAttribute.Unmount(small);
        }
    }
}
