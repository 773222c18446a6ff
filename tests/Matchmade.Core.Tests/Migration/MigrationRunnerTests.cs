using System.Security.Cryptography;
using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Matchmade.Fixtures;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>The migration end to end against a real server, one fresh database per test.</summary>
public sealed partial class MigrationRunnerTests : IDisposable
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
    public void A_run_that_writes_a_large_share_of_the_users_refreshes_the_planner_statistics_and_a_small_one_does_not()
    {
        var cs = NewDatabase(qa: false, synthetic: 300);
        using var c = Open(cs);
        string Analyzed() => Scalar<string>(c, """
            SELECT string_agg(relname || '=' || analyze_count, ',' ORDER BY relname) || ' counted ' || (SELECT reltuples::bigint FROM pg_class WHERE relname = 'ProfileNew')
            FROM pg_stat_user_tables WHERE relname IN ('ProfileNew', 'ContextIntent', 'migrated_user')
            """);

        Run(cs, new MigrationOptions { DryRun = true });
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'ProfileNew' AND analyze_count > 0"));

        var canary = new RecordingLog();
        RunWith(cs, new MigrationOptions { MaxUsers = 100 }, canary); // never counted: refreshed
        Assert.Equal("ContextIntent=1,ProfileNew=1,migrated_user=1 counted 100", Analyzed());
        Assert.Contains(canary.Verbose, m => m.StartsWith("Planner statistics of the new tables refreshed", StringComparison.Ordinal));

        var small = new RecordingLog();
        RunWith(cs, new MigrationOptions { MaxUsers = 5 }, small); // 5 of the 100 counted: left to autovacuum
        Assert.Equal("ContextIntent=1,ProfileNew=1,migrated_user=1 counted 100", Analyzed());
        Assert.Contains(small.Verbose, m => m.StartsWith("Planner statistics of the new tables kept", StringComparison.Ordinal));

        Run(cs); // the other 195
        Assert.Equal("ContextIntent=2,ProfileNew=2,migrated_user=2 counted 300", Analyzed());
    }

    [Fact]
    public void A_statistics_refresh_that_cannot_get_its_lock_is_a_warning_with_the_statement_and_the_run_completes()
    {
        var cs = NewDatabase(qa: false, synthetic: 100);
        Run(cs, new MigrationOptions { MaxUsers = 10 });
        using var holder = Open(cs);
        using var hold = holder.BeginTransaction();
        Exec(holder, "LOCK TABLE \"ProfileNew\" IN SHARE UPDATE EXCLUSIVE MODE"); // what ANALYZE needs; the run's writes do not

        var log = new RecordingLog();
        var outcome = RunWith(cs, new MigrationOptions { LockTimeout = TimeSpan.FromMilliseconds(200) }, log);

        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(90L, outcome.UsersMigrated);
        var warning = Assert.Single(log.Warnings, w => w.StartsWith("The new tables' planner statistics were not refreshed", StringComparison.Ordinal));
        Assert.EndsWith("To refresh them now: ANALYZE \"public\".\"ProfileNew\", \"public\".\"ContextIntent\", \"matchmade\".migrated_user;", warning, StringComparison.Ordinal);
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_user_whose_id_is_the_empty_string_is_migrated_like_any_other(int workers)
    {
        // The key walk started "after ''", which no id is but '' itself: a raw-SQL user with that id was never read.
        var cs = NewDatabase(qa: true, synthetic: 40);
        using (var c = Open(cs))
        {
            Exec(c, """
                INSERT INTO "User" (id, email, "updatedAt") VALUES ('', 'empty-id@example.com', now());
                INSERT INTO "ContextProfile" (id, "userId", "contextType", "updatedAt") VALUES ('cp-empty', '', 'friendship', now());
                INSERT INTO "Profile" (id, "contextProfileId", data, "updatedAt") VALUES ('p-empty', 'cp-empty', '{"name": "Nobody", "friendshipDepth": "deep"}', now());
                """);
        }

        var outcome = Run(cs, new MigrationOptions { BatchSize = 10, ThrottleLimit = workers });
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(44, outcome.UsersMigrated);
        using var check = Open(cs);
        Assert.Equal("Nobody", Scalar<string>(check, "SELECT name FROM \"ProfileNew\" WHERE \"userId\" = ''"));
        Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM \"ContextIntent\" WHERE \"userId\" = ''"));
        using var target = Target(cs);
        var checks = new Matchmade.Core.Verification.IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).ToList();
        Assert.All(checks, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));

        // And the reconciliation walks from the same first user: that user's rows gone, it fails.
        Exec(check, "DELETE FROM \"ContextIntent\" WHERE \"userId\" = ''; DELETE FROM \"ProfileNew\" WHERE \"userId\" = ''");
        var after = new Matchmade.Core.Verification.IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).ToList();
        Assert.False(after.Single(r => r.Name == "Reconciliation").Passed);
    }

    [Fact]
    public void A_user_whose_new_rows_were_deleted_by_hand_is_migrated_again_by_a_re_run()
    {
        // The module's record of the user (matchmade.migrated_user) outlives the rows: the re-run's COPY of the record
        // hit its primary key and the user was reported as failed, "written by the app?".
        var cs = NewDatabase(qa: true, synthetic: 20);
        Assert.Equal(RunStatus.Completed, Run(cs).Status);
        using (var c = Open(cs))
        {
            Exec(c, "DELETE FROM \"ContextIntent\" WHERE \"userId\" = 'user_qa1'; DELETE FROM \"ProfileNew\" WHERE \"userId\" = 'user_qa1'");
        }

        var again = Run(cs);
        Assert.Equal(RunStatus.Completed, again.Status);
        Assert.Equal(1, again.UsersMigrated);
        Assert.Equal(0, again.UsersFailed);
        using var check = Open(cs);
        Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\" WHERE \"userId\" = 'user_qa1'"));
        Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM matchmade.migrated_user m JOIN \"ProfileNew\" p ON p.id = m.profile_id WHERE m.user_id = 'user_qa1'"));
        using var target = Target(cs);
        var checks = new Matchmade.Core.Verification.IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None).ToList();
        Assert.All(checks, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
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
