using System.Security.Cryptography;
using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>The migration end to end against a real server, one fresh database per test.</summary>
public sealed class MigrationRunnerTests : IDisposable
{
    private readonly string reportDirectory = Directory.CreateTempSubdirectory("mm-reports-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        foreach (var database in databases)
        {
            TestServer.Shared.DropDatabase(database);
        }

        Directory.Delete(reportDirectory, recursive: true);
    }

    [Fact]
    public void Seed_QA_users_migrate_as_the_seed_reports()
    {
        var cs = NewDatabase(qa: true);
        var outcome = Run(cs);
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(SchemaStepOutcome.Created, outcome.SchemaStep);
        Assert.Equal(3, outcome.UsersTotal);
        Assert.Equal(3, outcome.UsersMigrated);
        Assert.Equal(7, outcome.ContextIntentsWritten);
        Assert.Equal(0, outcome.Conflicts);
        Assert.Equal(2, outcome.UnmappedFields);
        Assert.Equal(0, outcome.Errors);
        using var c = Open(cs);
        Assert.Equal(3L, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(7L, Scalar<long>(c, "SELECT count(*) FROM \"ContextIntent\""));
        Assert.Equal("friendship:2,professional:2,romantic:3", Scalar<string>(c, "SELECT string_agg(t || ':' || n, ',' ORDER BY t) FROM (SELECT \"contextType\"::text t, count(*) n FROM \"ContextIntent\" GROUP BY 1) x"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\" WHERE id !~ '^c[0-9a-z]{24}$'"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ContextIntent\" WHERE id !~ '^c[0-9a-z]{24}$'"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\" WHERE \"createdAt\" <> \"updatedAt\" OR \"createdAt\" < now() AT TIME ZONE 'UTC' - interval '5 minutes'"));
        Assert.Equal(3L, Scalar<long>(c, "SELECT count(*) FROM matchmade.migrated_user"));
        Assert.Equal("Completed", Scalar<string>(c, "SELECT status FROM matchmade.run"));
    }

    [Fact]
    public void Schema_step_applies_migration_sql_and_records_it_like_prisma_migrate_deploy()
    {
        var cs = NewDatabase(qa: true);
        using (var c = Open(cs))
        {
            Exec(c, PrismaMigrationsTable);
        }

        Run(cs);
        using var check = Open(cs);
        var expectedChecksum = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(RepoFile("src/Matchmade.Core/Schema/Sql/migration.sql")))).ToLowerInvariant();
        Assert.Equal(expectedChecksum, PrismaSchema.MigrationChecksum);
        Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM \"_prisma_migrations\""));
        Assert.Equal(expectedChecksum, Scalar<string>(check, "SELECT checksum FROM \"_prisma_migrations\" WHERE migration_name = '20251223025136_add_profile_and_context_intent_models' AND finished_at IS NOT NULL AND rolled_back_at IS NULL AND applied_steps_count = 1 AND logs IS NULL AND finished_at >= started_at"));
        Assert.True(Guid.TryParse(Scalar<string>(check, "SELECT id FROM \"_prisma_migrations\""), out _));
        Assert.Equal("ContextIntent_userId_contextType_key,ProfileNew_userId_key", Scalar<string>(check, "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public' AND indexname IN ('ContextIntent_userId_contextType_key','ProfileNew_userId_key')"));
        Assert.Equal(2L, Scalar<long>(check, "SELECT count(*) FROM pg_constraint WHERE conname IN ('ProfileNew_userId_fkey','ContextIntent_userId_fkey') AND confdeltype = 'c'"));
    }

    [Fact]
    public void A_failed_prisma_migration_is_refused_and_nothing_is_created()
    {
        var cs = NewDatabase(qa: true);
        using (var c = Open(cs))
        {
            Exec(c, PrismaMigrationsTable);
            Exec(c, "INSERT INTO \"_prisma_migrations\" (id, checksum, migration_name, started_at) VALUES ('f1', 'x', '20251223025136_add_profile_and_context_intent_models', now())");
        }

        var e = Assert.Throws<MatchmadeException>(() => Run(cs));
        Assert.Equal("PrismaMigrationFailed", e.ErrorId);
        Assert.Contains("prisma migrate resolve", e.Message, StringComparison.Ordinal);
        using var check = Open(cs);
        Assert.Equal(0L, Scalar<long>(check, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew','ContextIntent')"));
    }

    [Fact]
    public void Existing_tables_of_the_right_shape_are_used_and_a_wrong_shape_is_refused()
    {
        var good = NewDatabase(qa: true);
        using (var c = Open(good))
        {
            Exec(c, File.ReadAllText(RepoFile("src/Matchmade.Core/Schema/Sql/migration.sql")));
        }

        var outcome = Run(good);
        Assert.Equal(SchemaStepOutcome.AlreadyPresent, outcome.SchemaStep);
        Assert.Equal(3, outcome.UsersMigrated);

        var bad = NewDatabase(qa: true);
        using (var c = Open(bad))
        {
            Exec(c, File.ReadAllText(RepoFile("src/Matchmade.Core/Schema/Sql/migration.sql")));
            Exec(c, "ALTER TABLE \"ContextIntent\" DROP COLUMN \"egoBalance\"; ALTER TABLE \"ProfileNew\" ALTER COLUMN completeness TYPE bigint");
        }

        var e = Assert.Throws<MatchmadeException>(() => Run(bad));
        Assert.Equal("UnexpectedTableShape", e.ErrorId);
        Assert.Contains("ContextIntent.egoBalance is missing", e.Message, StringComparison.Ordinal);
        Assert.Contains("ProfileNew.completeness is int8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dry_run_writes_nothing_and_counts_what_the_live_run_then_does()
    {
        var cs = NewDatabase(qa: true, synthetic: 400);
        string before;
        using (var c = Open(cs))
        {
            before = WholeDatabaseHash(c);
        }

        var dry = Run(cs, new MigrationOptions { DryRun = true, BatchSize = 37 });
        using (var c = Open(cs))
        {
            Assert.Equal(before, WholeDatabaseHash(c));
            Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'matchmade'"));
        }

        Assert.Equal(RunMode.DryRun, dry.Mode);
        Assert.Equal(SchemaStepOutcome.WouldCreate, dry.SchemaStep);
        Assert.True(File.Exists(dry.ReportPath));
        var live = Run(cs, new MigrationOptions { BatchSize = 50 });
        Assert.Equal(dry.UsersTotal, live.UsersTotal);
        Assert.Equal(dry.UsersMigrated, live.UsersMigrated);
        Assert.Equal(dry.ContextIntentsWritten, live.ContextIntentsWritten);
        Assert.Equal(dry.Conflicts, live.Conflicts);
        Assert.Equal(dry.UnmappedFields, live.UnmappedFields);
        Assert.Equal(dry.InvalidValues, live.InvalidValues);
        Assert.True(live.Conflicts > 0 && live.UnmappedFields > 0 && live.InvalidValues > 0, "the synthetic data has every kind of finding");
        Assert.Equal(Findings(dry.ReportPath!), Findings(live.ReportPath!));

        // After the live run, a dry run finds everyone migrated.
        var again = Run(cs, new MigrationOptions { DryRun = true });
        Assert.Equal(0, again.UsersMigrated);
        Assert.Equal(live.UsersTotal, again.UsersSkipped);
    }

    [Fact]
    public void Old_tables_are_never_written_by_any_kind_of_run()
    {
        var cs = NewDatabase(qa: true, synthetic: 200);
        string before;
        using (var c = Open(cs))
        {
            before = OldTablesHash(c);
        }

        Run(cs, new MigrationOptions { DryRun = true });
        Run(cs, new MigrationOptions { MaxUsers = 10 });
        Run(cs);
        Run(cs, new MigrationOptions { Force = true, BatchSize = 33 });
        using var check = Open(cs);
        Assert.Equal(before, OldTablesHash(check));
    }

    [Fact]
    public void Re_running_skips_everyone_and_Force_rebuilds_in_place()
    {
        var cs = NewDatabase(qa: true, synthetic: 150);
        var first = Run(cs);
        string content, ids;
        using (var c = Open(cs))
        {
            content = NewTablesContentHash(c);
            ids = Scalar<string>(c, "SELECT md5(string_agg(id || \"userId\", ',' ORDER BY id)) FROM \"ProfileNew\"");
        }

        var second = Run(cs);
        Assert.Equal(0, second.UsersMigrated);
        Assert.Equal(first.UsersTotal, second.UsersSkipped);

        const string Versions = "SELECT string_agg(\"userId\" || ':' || xmin::text, ',' ORDER BY \"userId\") FROM \"ProfileNew\"";
        string versions;
        HashSet<string> damaged;
        using (var c = Open(cs))
        {
            // Damage: a changed value, a lost context row, a stray one.
            damaged = [Scalar<string>(c, "SELECT min(\"userId\") FROM \"ProfileNew\""), Scalar<string>(c, "SELECT \"userId\" FROM \"ContextIntent\" ORDER BY id LIMIT 1")];
            Exec(c, "UPDATE \"ProfileNew\" SET location = 'tampered', completeness = 1 WHERE \"userId\" = (SELECT min(\"userId\") FROM \"ProfileNew\")");
            Exec(c, "DELETE FROM \"ContextIntent\" WHERE id = (SELECT min(id) FROM \"ContextIntent\")");
            Assert.NotEqual(content, NewTablesContentHash(c));
            versions = Scalar<string>(c, Versions);
        }

        var forced = Run(cs, new MigrationOptions { Force = true, BatchSize = 40 });
        Assert.Equal(first.UsersTotal, forced.UsersMigrated);
        Assert.Equal(0, forced.UsersSkipped);
        using var check = Open(cs);
        Assert.Equal(content, NewTablesContentHash(check));
        Assert.Equal(ids, Scalar<string>(check, "SELECT md5(string_agg(id || \"userId\", ',' ORDER BY id)) FROM \"ProfileNew\""));

        // Only the damaged users were rewritten: every other user's rows already were the merge's and were left alone.
        var rewritten = Scalar<string>(check, Versions).Split(',').Except(versions.Split(',')).Select(v => v.Split(':')[0]);
        Assert.Equal(damaged.Order(StringComparer.Ordinal), rewritten.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Canary_by_user_id_and_by_count()
    {
        var cs = NewDatabase(qa: true, synthetic: 100);
        var byId = Run(cs, new MigrationOptions { UserIds = ["user_qa1", "cmjfwhbqb0000qe2g6xd8iww9", "no-such-user"] });
        Assert.Equal(2, byId.UsersTotal);
        Assert.Equal(2, byId.UsersMigrated);
        using (var c = Open(cs))
        {
            Assert.Equal("cmjfwhbqb0000qe2g6xd8iww9,user_qa1", Scalar<string>(c, "SELECT string_agg(\"userId\", ',' ORDER BY \"userId\") FROM \"ProfileNew\""));
        }

        var byCount = Run(cs, new MigrationOptions { MaxUsers = 25, BatchSize = 10 });
        Assert.Equal(25, byCount.UsersMigrated);
        Assert.Equal(2, byCount.UsersSkipped);
        Assert.Equal(byCount.UsersTotal - 27, byCount.UsersRemaining);
        using var check = Open(cs);
        Assert.Equal(27L, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\""));
    }

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

    private string NewDatabase(bool qa, int synthetic = 0)
    {
        var cs = TestServer.Shared.CreateDatabase("mig");
        databases.Add(cs);
        using var c = Open(cs);
        if (qa)
        {
            SampleData.LoadQaUsers(c);
        }

        if (synthetic > 0)
        {
            SampleData.LoadSynthetic(c, synthetic, seed: 7);
        }

        return cs;
    }

    private MigrationOutcome Run(string cs, MigrationOptions? options = null) => RunWith(cs, options ?? new MigrationOptions(), new RecordingLog());

    private MigrationOutcome RunWith(string cs, MigrationOptions options, RecordingLog log)
    {
        using var target = Target(cs);
        return new MigrationRunner(target, options with { ReportPath = options.ReportPath ?? reportDirectory }, log).Run(CancellationToken.None);
    }

    private static DatabaseTarget Target(string cs) => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });

    /// <summary>Every finding and error of a report as raw JSON, sorted: the same set whatever order batches finished in.</summary>
    private static string FindingSet(string reportPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = doc.RootElement;
        var all = new[] { "conflicts", "unmappedFields", "invalidValues", "errors" }
            .SelectMany(k => root.GetProperty(k).EnumerateArray().Select(e => k + ":" + e.GetRawText()))
            .Order(StringComparer.Ordinal);
        return string.Join("\n", all);
    }

    /// <summary>Entries as sorted lines: the same set whatever order batches committed in.</summary>
    private static List<string> EntryLines(IEnumerable<ReportEntry> entries) =>
        [.. entries.Select(e => string.Join("|", e.Kind, e.UserId, e.ContextType, e.Field, e.Value, string.Join(",", e.Candidates), e.Chosen, e.Reason, e.ErrorId)).Order(StringComparer.Ordinal)];

    private static string Findings(string reportPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        var root = doc.RootElement;
        return string.Join("\n", new[] { "conflicts", "unmappedFields", "invalidValues", "errors" }.Select(k => root.GetProperty(k).GetRawText()));
    }

    private static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }

        throw new FileNotFoundException(relative);
    }
}

/// <summary>Runs where this process may mount a tmpfs (root on Linux, as in CI): a small file system to fill up.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly bool Available = Probe();

    public TmpfsFactAttribute()
    {
        if (!Available)
        {
            Skip = "needs to mount a tmpfs (root on Linux)";
        }
    }

    public static string Mount(int kilobytes)
    {
        var directory = Directory.CreateTempSubdirectory("mm-tmpfs-").FullName;
        if (Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", directory) != 0)
        {
            Directory.Delete(directory);
            throw new InvalidOperationException("mount -t tmpfs failed");
        }

        return directory;
    }

    public static void Unmount(string directory)
    {
        Run("umount", directory);
        Directory.Delete(directory, recursive: true);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return false;
        }

        try
        {
            Unmount(Mount(kilobytes: 16));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    }

    private static int Run(string file, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
