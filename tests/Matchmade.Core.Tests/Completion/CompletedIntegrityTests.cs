using Matchmade.Core.Completion;
using Matchmade.Core.Migration;
using Matchmade.Core.Tests.Migration;
using Matchmade.Core.Verification;
using static Matchmade.Core.Tests.Completion.CompletionDb;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Completion;

/// <summary>
/// Test-MigrationIntegrity after Complete-ProfileMigration: the renamed tables against cleanup.prisma's shape, every
/// user reconciled with the archive of the old Profile table; without the archive the reconciliation says it cannot run.
/// </summary>
public sealed class CompletedIntegrityTests : IDisposable
{
    private readonly CompletionDb db = new();

    public void Dispose() => db.Dispose();

    [Fact]
    public void After_the_completion_every_check_passes_on_the_renamed_tables_and_the_archive()
    {
        var cs = Completed();
        var results = Verify(cs);
        Assert.Equal(IntegrityChecks.Names, results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed && !r.Skipped, $"{r.Name}: {r.Detail}"));
        Assert.Equal("0 of 83 users differ", results.Single(r => r.Name == "Reconciliation").Observed);
        Assert.Equal("exactly cleanup.prisma", results.Single(r => r.Name == "Schema").Expected);
        Assert.Contains(Matchmade.Core.Schema.PrismaSchema.Cleanup.Name, results.Single(r => r.Name == "PrismaHistory").Detail, StringComparison.Ordinal);
        Assert.Contains("the archive", results.Single(r => r.Name == "Reconciliation").Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""UPDATE "Profile" SET location = 'Tampered after the completion' WHERE "userId" = 'user_qa1'""")]
    [InlineData("""UPDATE matchmade."ProfileOld" SET data = '{}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = 'user_qa1')""")]
    public void A_value_changed_in_the_new_Profile_or_in_the_archive_fails_the_reconciliation_naming_the_user(string tamper)
    {
        var cs = Completed();
        using (var c = Open(cs))
        {
            Exec(c, tamper);
        }

        var reconciliation = Verify(cs, "Reconciliation").Single();

        Assert.False(reconciliation.Passed, reconciliation.Observed + " " + reconciliation.Detail);
        Assert.Equal(CheckSeverity.Error, reconciliation.Severity);
        Assert.Equal("1 of 83 users differ", reconciliation.Observed);
        Assert.Equal(["user_qa1"], reconciliation.SampleIds);
        Assert.Contains("user_qa1", reconciliation.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""ALTER INDEX "Profile_userId_key" RENAME TO "ProfileNew_userId_key" """, "index Profile_userId_key is missing")]
    [InlineData("""ALTER TABLE "Profile" ALTER COLUMN completeness SET DEFAULT 1""", "cleanup.prisma makes it int4 NOT NULL DEFAULT 0")]
    [InlineData("""ALTER TABLE "Profile" ADD COLUMN "contextProfileId" text""", "Profile.contextProfileId is not in cleanup.prisma")]
    [InlineData("""ALTER TABLE "Profile" ALTER COLUMN "userId" TYPE text COLLATE "C" """, "Profile.userId has COLLATE \"C\", cleanup.prisma has the database default")]
    [InlineData("""DROP INDEX "Profile_userId_key"; CREATE UNIQUE INDEX "Profile_userId_key" ON "Profile" ("userId" text_pattern_ops)""", "index Profile_userId_key is UNIQUE (userId) (userId text_pattern_ops) on Profile")]
    [InlineData("""ALTER TABLE "Profile" DROP CONSTRAINT "Profile_userId_fkey", ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"(id) ON DELETE CASCADE ON UPDATE CASCADE NOT VALID""", "foreign key Profile_userId_fkey is NOT VALID (existing rows never checked): ALTER TABLE \"public\".\"Profile\" VALIDATE CONSTRAINT \"Profile_userId_fkey\"")]
    public void The_renamed_tables_are_checked_against_cleanup_prisma(string damage, string detail)
    {
        var cs = Completed();
        using (var c = Open(cs))
        {
            Exec(c, damage);
        }

        var schema = Verify(cs, "Schema").Single();
        Assert.False(schema.Passed);
        Assert.Contains(detail, schema.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_archive_the_shape_checks_run_and_the_reconciliation_says_it_cannot()
    {
        var cs = Completed();
        Assert.True(Complete(cs, new CompletionOptions { RemoveArchive = true, Force = true }).ArchiveRemoved);
        var results = Verify(cs);
        Assert.Equal(IntegrityChecks.Names, results.Select(r => r.Name));
        foreach (var result in results)
        {
            if (result.Name is "Reconciliation" or "NothingLost")
            {
                Assert.True(result.Skipped, result.Name);
                Assert.False(result.Passed, result.Name);
                Assert.Equal(CheckSeverity.Warning, result.Severity);
                Assert.Contains("-RemoveArchive removed matchmade.ProfileOld", result.Detail, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(result.Passed && !result.Skipped, $"{result.Name}: {result.Detail}");
            }
        }

        using (var c = Open(cs))
        {
            Exec(c, """DELETE FROM "Profile" WHERE "userId" = 'user_qa1'""");
        }

        Assert.False(Verify(cs, "UsersWithoutProfile").Single().Passed); // the seed's checks still see the renamed table
    }

    /// <summary>Migrated, changed by the app, completed (the final sync brings the change over).</summary>
    private string Completed()
    {
        var cs = db.New(80, prismaHistory: true);
        Assert.Equal(RunStatus.Completed, db.Migrate(cs).Status);
        using (var c = Open(cs))
        {
            Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Moved before the completion"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = 'user_qa3') AND jsonb_typeof(data) = 'object'""");
        }

        var outcome = Complete(cs);
        Assert.True(outcome.Status == RunStatus.Completed, outcome.Message);
        return cs;
    }

    private static List<IntegrityCheckResult> Verify(string cs, params string[] checks)
    {
        using var target = Target(cs);
        return [.. new IntegrityChecker(target, new RecordingLog()).Run(checks.Length == 0 ? null : checks, null, CancellationToken.None)];
    }
}
