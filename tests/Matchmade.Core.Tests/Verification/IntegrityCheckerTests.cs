using Matchmade.Core.Connection;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Verification;

/// <summary>Every check passes on a clean migration and fails on data made to break it.</summary>
public sealed class IntegrityCheckerTests : IDisposable
{
    private readonly string reports = Directory.CreateTempSubdirectory("mm-verify-").FullName;
    private readonly List<string> databases = [];

    public void Dispose()
    {
        databases.ForEach(TestServer.Shared.DropDatabase);
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void A_clean_migration_passes_every_check()
    {
        var cs = Migrated(synthetic: 300, prisma: true);
        var results = Verify(cs);
        Assert.Equal(IntegrityChecks.Names, results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
        Assert.Equal("0 of 303 users differ", results.Single(r => r.Name == "Reconciliation").Observed);
    }

    [Theory]
    [InlineData("UsersWithoutProfile", "DELETE FROM \"ProfileNew\" WHERE \"userId\" = 'user_qa3'")]
    [InlineData("UserProfileCount", "DELETE FROM \"ProfileNew\" WHERE \"userId\" = 'user_qa3'")]
    [InlineData("OrphanedProfiles", "SET session_replication_role = replica; INSERT INTO \"ProfileNew\" (id, \"userId\", \"updatedAt\") VALUES ('cx', 'ghost-user', now())")]
    [InlineData("OrphanedContextIntents", "INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", \"updatedAt\") VALUES ('cx', 'user_qa3', 'service', now())")]
    [InlineData("ContextIntentCount", "INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", \"updatedAt\") VALUES ('cx', 'user_qa3', 'service', now())")]
    [InlineData("MissingContextIntents", "DELETE FROM \"ContextIntent\" WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'friendship'")]
    [InlineData("DuplicateProfiles", "DROP INDEX \"ProfileNew_userId_key\"; INSERT INTO \"ProfileNew\" (id, \"userId\", \"updatedAt\") VALUES ('cx', 'user_qa1', now())")]
    [InlineData("DuplicateContextIntents", "DROP INDEX \"ContextIntent_userId_contextType_key\"; INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", \"updatedAt\") VALUES ('cx', 'user_qa1', 'romantic', now())")]
    [InlineData("ProfileCompleteness", "UPDATE \"ProfileNew\" SET completeness = 150 WHERE \"userId\" = 'user_qa1'")]
    [InlineData("ContextIntentCompleteness", "UPDATE \"ContextIntent\" SET completeness = -1 WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'romantic'")]
    [InlineData("ChatMessageContextProfiles", "SET session_replication_role = replica; INSERT INTO \"ChatMessage\" (id, \"contextProfileId\", role, content) VALUES ('m-ghost', 'nowhere', 'user', 'hi')")]
    [InlineData("ContextTypeDistribution", "UPDATE \"ContextIntent\" SET \"contextType\" = 'service' WHERE \"userId\" = 'user_qa3' AND \"contextType\" = 'friendship'")]
    [InlineData("Schema", "ALTER TABLE \"ProfileNew\" ALTER COLUMN completeness SET DEFAULT 1")]
    [InlineData("Schema", "ALTER TABLE \"ContextIntent\" DROP CONSTRAINT \"ContextIntent_userId_fkey\"")]
    [InlineData("Schema", "CREATE INDEX extra_idx ON \"ProfileNew\" (name)")]
    [InlineData("Schema", "DROP INDEX \"ContextIntent_userId_contextType_key\"; CREATE UNIQUE INDEX \"ContextIntent_userId_contextType_key\" ON \"ContextIntent\" (\"userId\", \"contextType\") WHERE completeness > 100")]
    [InlineData("Schema", "DROP INDEX \"ProfileNew_userId_key\"; CREATE UNIQUE INDEX \"ProfileNew_userId_key\" ON \"ProfileNew\" (\"userId\", (id || ''))")]
    [InlineData("PrismaHistory", "UPDATE \"_prisma_migrations\" SET rolled_back_at = now()")]
    [InlineData("PrismaHistory", "UPDATE \"_prisma_migrations\" SET checksum = 'deadbeef'")]
    public void Each_check_fails_on_data_made_to_break_it(string check, string damage)
    {
        var cs = Migrated(synthetic: 0, prisma: true);
        Assert.True(Single(cs, check).Passed);
        using (var c = Open(cs))
        {
            Exec(c, damage);
        }

        var result = Single(cs, check);
        Assert.False(result.Passed, $"{check} passed after: {damage}");
        Assert.NotEqual(CheckSeverity.Info, result.Severity);
    }

    /// <summary>
    /// Tables a DBA made by hand (or damaged) that differ from migration.sql only in what the catalog's names and
    /// columns do not show: an index's access method, operator class, collation, ordering or INCLUDE columns, a
    /// deferrable key, a column's collation, a foreign key never validated, deferrable or with another MATCH. The
    /// Schema check names each one.
    /// </summary>
    [Theory]
    [InlineData("""DROP INDEX "ProfileNew_userId_key"; CREATE INDEX "ProfileNew_userId_key" ON "ProfileNew" USING hash ("userId")""", "index ProfileNew_userId_key is (userId) (USING hash)")]
    [InlineData("""DROP INDEX "ProfileNew_userId_key"; CREATE UNIQUE INDEX "ProfileNew_userId_key" ON "ProfileNew" ("userId" text_pattern_ops)""", "(userId text_pattern_ops)")]
    [InlineData("""DROP INDEX "ProfileNew_userId_key"; CREATE UNIQUE INDEX "ProfileNew_userId_key" ON "ProfileNew" ("userId" COLLATE "C")""", "(userId COLLATE \"C\")")]
    [InlineData("""DROP INDEX "ContextIntent_userId_contextType_key"; CREATE UNIQUE INDEX "ContextIntent_userId_contextType_key" ON "ContextIntent" ("userId", "contextType" DESC)""", "(contextType DESC)")]
    [InlineData("""DROP INDEX "ContextIntent_userId_contextType_key"; CREATE UNIQUE INDEX "ContextIntent_userId_contextType_key" ON "ContextIntent" ("userId" DESC NULLS LAST, "contextType")""", "(userId DESC NULLS LAST)")]
    [InlineData("""DROP INDEX "ProfileNew_userId_key"; CREATE UNIQUE INDEX "ProfileNew_userId_key" ON "ProfileNew" ("userId" NULLS FIRST)""", "(userId NULLS FIRST)")]
    [InlineData("""DROP INDEX "ProfileNew_userId_key"; CREATE UNIQUE INDEX "ProfileNew_userId_key" ON "ProfileNew" ("userId") INCLUDE (name)""", "index ProfileNew_userId_key is UNIQUE (userId) (INCLUDE (name))")]
    [InlineData("""ALTER TABLE "ContextIntent" DROP CONSTRAINT "ContextIntent_pkey", ADD CONSTRAINT "ContextIntent_pkey" PRIMARY KEY (id) DEFERRABLE""", "index ContextIntent_pkey is UNIQUE (id) (DEFERRABLE)")]
    [InlineData("""ALTER TABLE "ProfileNew" ALTER COLUMN "userId" TYPE text COLLATE "C" """, "ProfileNew.userId has COLLATE \"C\", migration.sql has the database default")]
    [InlineData("""ALTER TABLE "ContextIntent" ALTER COLUMN missing TYPE text[] COLLATE "POSIX" """, "ContextIntent.missing has COLLATE \"POSIX\", migration.sql has the database default")]
    [InlineData("""ALTER TABLE "ProfileNew" DROP CONSTRAINT "ProfileNew_userId_fkey", ADD CONSTRAINT "ProfileNew_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"(id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID""", "foreign key ProfileNew_userId_fkey is NOT VALID (existing rows never checked): ALTER TABLE \"public\".\"ProfileNew\" VALIDATE CONSTRAINT \"ProfileNew_userId_fkey\"")]
    [InlineData("""ALTER TABLE "ContextIntent" ALTER CONSTRAINT "ContextIntent_userId_fkey" DEFERRABLE INITIALLY DEFERRED""", "ON UPDATE c DEFERRABLE INITIALLY DEFERRED, migration.sql makes it")]
    [InlineData("""ALTER TABLE "ContextIntent" ALTER CONSTRAINT "ContextIntent_userId_fkey" DEFERRABLE""", "ON UPDATE c DEFERRABLE, migration.sql makes it")]
    [InlineData("""ALTER TABLE "ProfileNew" DROP CONSTRAINT "ProfileNew_userId_fkey", ADD CONSTRAINT "ProfileNew_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"(id) MATCH FULL ON DELETE CASCADE ON UPDATE CASCADE""", "ON UPDATE c MATCH FULL, migration.sql makes it")]
    [InlineData("""ALTER TABLE "ProfileNew" ALTER COLUMN "updatedAt" TYPE timestamp(6)""", "ProfileNew.updatedAt is timestamp(6) NOT NULL, migration.sql makes it timestamp(3) NOT NULL")]
    [InlineData("""ALTER TABLE "ContextIntent" ALTER COLUMN "createdAt" TYPE timestamp(0)""", "ContextIntent.createdAt is timestamp(0) NOT NULL DEFAULT CURRENT_TIMESTAMP, migration.sql makes it timestamp(3)")]
    public void The_Schema_check_names_each_difference_the_catalog_hides(string damage, string detail)
    {
        var cs = Migrated(synthetic: 0, prisma: false);
        Assert.True(Single(cs, "Schema").Passed);
        using (var c = Open(cs))
        {
            Exec(c, damage);
        }

        var result = Single(cs, "Schema");
        Assert.False(result.Passed, $"Schema passed after: {damage}");
        Assert.Equal(CheckSeverity.Error, result.Severity);
        Assert.Contains(detail, result.Detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> OneChangedValue()
    {
        var data = new TheoryData<string, string>
        {
            { "coreValues", "UPDATE \"ProfileNew\" SET \"coreValues\" = '[\"honesty\",\"curiosity\"]' WHERE \"userId\" = 'user_qa1'" },
            { "constraints", "UPDATE \"ProfileNew\" SET constraints = '[\"remote\"]' WHERE \"userId\" = 'user_qa1'" },
            { "beliefs", "UPDATE \"ProfileNew\" SET beliefs = jsonb_set(beliefs, '{religion}', '\"atheist\"') WHERE \"userId\" = 'user_qa1'" },
            { "interactionStyle", "UPDATE \"ProfileNew\" SET \"interactionStyle\" = '{\"communication\":\"direct\"}' WHERE \"userId\" = 'user_qa1'" },
            { "lifestyle", "UPDATE \"ProfileNew\" SET lifestyle = lifestyle || '{\"pets\":\"cat\"}' WHERE \"userId\" = 'user_qa1'" },
            { "location", "UPDATE \"ProfileNew\" SET location = 'San Francisco' WHERE \"userId\" = 'user_qa1'" },
            { "ageRange", "UPDATE \"ProfileNew\" SET \"ageRange\" = NULL WHERE \"userId\" = 'user_qa1'" },
            { "name", "UPDATE \"ProfileNew\" SET name = 'Alex ' WHERE \"userId\" = 'user_qa1'" },
            { "completeness", "UPDATE \"ProfileNew\" SET completeness = 99 WHERE \"userId\" = 'user_qa1'" },
            { "missing", "UPDATE \"ProfileNew\" SET missing = '{name}' WHERE \"userId\" = 'user_qa1'" },
            { "romantic.missing", "UPDATE \"ContextIntent\" SET missing = NULL WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'romantic'" },
            { "no ContextIntent for friendship", "DELETE FROM \"ContextIntent\" WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'friendship'" },
        };
        foreach (var column in FieldCatalog.IntentColumns)
        {
            // Every context column of user_qa1's professional ContextIntent, set to a value the rules would not give.
            var value = FieldCatalog.IsJsonIntentColumn(column) ? "'[\"sales\"]'::jsonb" : "'tampered'";
            data.Add($"professional.{column}", $"UPDATE \"ContextIntent\" SET \"{column}\" = {value} WHERE \"userId\" = 'user_qa1' AND \"contextType\" = 'professional'");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OneChangedValue))]
    public void Reconciliation_fails_on_one_changed_value(string field, string damage)
    {
        var cs = Migrated(synthetic: 20, prisma: false);
        using var c = Open(cs);
        using var transaction = c.BeginTransaction();
        using (var command = new NpgsqlCommand(damage, c, transaction))
        {
            command.ExecuteNonQuery();
        }

        // Read the damaged rows through a second session: commit, check, then undo the damage.
        transaction.Commit();
        try
        {
            var result = Single(cs, "Reconciliation", ["user_qa1"]);
            Assert.False(result.Passed);
            Assert.Contains(field, result.Detail, StringComparison.Ordinal);
            Assert.Equal(["user_qa1"], result.SampleIds);
        }
        finally
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
            new MigrationRunner(target, new MigrationOptions { Force = true, UserIds = ["user_qa1"], ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            Assert.True(Single(cs, "Reconciliation", ["user_qa1"]).Passed);
        }
    }

    /// <summary>
    /// A complete profile or intent has an empty "missing" list; SQL NULL there is another value (Prisma's String[]
    /// reads it as null, not []), so the reconciliation must not take one for the other.
    /// </summary>
    [Theory]
    [InlineData("ProfileNew", "missing")]
    [InlineData("ContextIntent", ".missing")]
    public void Reconciliation_tells_an_empty_missing_list_from_NULL(string table, string field)
    {
        var cs = Migrated(synthetic: 200, prisma: false);
        string user;
        using (var c = Open(cs))
        {
            user = Scalar<string?>(c, $"SELECT min(\"userId\") FROM \"{table}\" WHERE missing = '{{}}'") ?? throw new InvalidOperationException($"no {table} row with an empty missing list in the sample");
            Scalar<long>(c, $"WITH u AS (UPDATE \"{table}\" SET missing = NULL WHERE \"userId\" = @u AND missing = '{{}}' RETURNING 1) SELECT count(*) FROM u", ("u", user));
        }

        var result = Single(cs, "Reconciliation", [user]);
        Assert.False(result.Passed, $"{table}.missing NULL passed for {user}");
        Assert.Contains($"{field}: expected , stored NULL", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_lost_fails_when_a_key_or_an_array_element_is_dropped()
    {
        var cs = Migrated(synthetic: 0, prisma: false);
        Assert.True(Single(cs, "NothingLost").Passed);
        using (var c = Open(cs))
        {
            Exec(c, "UPDATE \"ProfileNew\" SET beliefs = beliefs - 'religion' WHERE \"userId\" = 'user_qa1'");
        }

        var lostKey = Single(cs, "NothingLost");
        Assert.False(lostKey.Passed);
        Assert.Contains("user_qa1/romantic.beliefs", lostKey.Detail, StringComparison.Ordinal);

        using (var c = Open(cs))
        {
            Exec(c, "UPDATE \"ProfileNew\" SET beliefs = '{\"religion\":\"agnostic\"}', \"coreValues\" = '[\"honesty\",\"curiosity\"]' WHERE \"userId\" = 'user_qa1'");
        }

        var lostElement = Single(cs, "NothingLost");
        Assert.False(lostElement.Passed);
        Assert.Contains("user_qa1/friendship.coreValues", lostElement.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_context_intent_fails_the_reconciliation_instead_of_stopping_every_check()
    {
        var cs = Migrated(synthetic: 0, prisma: false);
        using (var c = Open(cs))
        {
            // The unique index gone (the Schema check says so), a second romantic ContextIntent for user_qa1.
            Exec(c, "DROP INDEX \"ContextIntent_userId_contextType_key\"; INSERT INTO \"ContextIntent\" (id, \"userId\", \"contextType\", \"updatedAt\") VALUES ('cx', 'user_qa1', 'romantic', now())");
        }

        var results = Verify(cs);
        Assert.Equal(IntegrityChecks.Names, results.Select(r => r.Name));
        var reconciliation = results.Single(r => r.Name == "Reconciliation");
        Assert.False(reconciliation.Passed);
        Assert.Equal(CheckSeverity.Error, reconciliation.Severity);
        Assert.Contains("user_qa1: 2 ContextIntents for romantic", reconciliation.Detail, StringComparison.Ordinal);
        Assert.Equal(["user_qa1"], reconciliation.SampleIds);
        Assert.False(results.Single(r => r.Name == "DuplicateContextIntents").Passed);
    }

    [Fact]
    public void Given_user_ids_that_do_not_exist_are_not_a_pass()
    {
        var cs = Migrated(synthetic: 0, prisma: false);

        // A typo in a canary's ids (ids are case-sensitive) compares nobody: that proves nothing, it must not pass.
        var typo = Verify(cs, ["Reconciliation", "NothingLost"], ["USER_QA1"]);
        Assert.Equal(2, typo.Count);
        Assert.All(typo, r =>
        {
            Assert.False(r.Passed, $"{r.Name} passed comparing no user: {r.Observed}");
            Assert.Equal(CheckSeverity.Warning, r.Severity);
            Assert.Contains("'USER_QA1'", r.Detail, StringComparison.Ordinal);
            Assert.Equal(["USER_QA1"], r.SampleIds);
        });

        // One of two ids wrong: the other is still compared, and the wrong one is named.
        var mixed = Single(cs, "Reconciliation", ["user_qa1", "user_qa9"]);
        Assert.False(mixed.Passed);
        Assert.Contains("1 of the 2 given user ids", mixed.Detail, StringComparison.Ordinal);
        Assert.Contains("'user_qa9'", mixed.Detail, StringComparison.Ordinal);
        Assert.True(Single(cs, "Reconciliation", ["user_qa1", "user_qa1"]).Passed);
    }

    [Fact]
    public void Unknown_check_names_and_a_database_not_migrated_yet_are_clear_errors()
    {
        var cs = NewDatabase();
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        var checker = new IntegrityChecker(target, new RecordingLog());
        Assert.Equal("UnknownCheck", Assert.Throws<Errors.MatchmadeException>(() => checker.Run(["NoSuchCheck"], null, CancellationToken.None).ToList()).ErrorId);
        Assert.Equal("TablesNotFound", Assert.Throws<Errors.MatchmadeException>(() => checker.Run(null, null, CancellationToken.None).ToList()).ErrorId);
    }

    private string Migrated(int synthetic, bool prisma)
    {
        var cs = NewDatabase();
        using (var c = Open(cs))
        {
            if (prisma)
            {
                Exec(c, PrismaMigrationsTable);
            }

            SampleData.LoadQaUsers(c);
            if (synthetic > 0)
            {
                SampleData.LoadSynthetic(c, synthetic, seed: 21);
            }
        }

        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        var outcome = new MigrationRunner(target, new MigrationOptions { BatchSize = 100, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
        Assert.Equal(RunStatus.Completed, outcome.Status);
        return cs;
    }

    private string NewDatabase()
    {
        var cs = TestServer.Shared.CreateDatabase("verify");
        databases.Add(cs);
        return cs;
    }

    private static List<IntegrityCheckResult> Verify(string cs, string[]? checks = null, string[]? users = null)
    {
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
        return new IntegrityChecker(target, new RecordingLog()).Run(checks, users, CancellationToken.None).ToList();
    }

    private static IntegrityCheckResult Single(string cs, string check, string[]? users = null) => Assert.Single(Verify(cs, [check], users));
}
