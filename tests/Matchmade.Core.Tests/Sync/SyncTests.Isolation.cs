using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// A rebuild in place (the sync, and -Force) whose batch one user's rows break: the batch is redone user by user, each
/// in a savepoint of its own, and each user's rows go through the staging tables again. The users written before and
/// after the one that failed must come out whole and the module's own, each rewritten once.
/// </summary>
public sealed partial class SyncTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_batch_redone_user_by_user_rewrites_each_user_once_and_keeps_them_the_modules(bool force)
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        List<string> users;
        using (var c = Open(cs))
        {
            users = UsersWithObjectBlobs(c, 5);
            Assert.Equal(5, users.Count);

            // A constraint a DBA added to the new table, which the second user's new location breaks; the others move
            // elsewhere, so every one of them differs from its new rows.
            Exec(c, NoPoison);
            for (var k = 0; k < users.Count; k++)
            {
                MoveTo(c, users[k], k == 1 ? "Poison" : "Elsewhere");
            }
        }

        long failed, rewritten;
        if (force)
        {
            var run = Migrate(cs, new MigrationOptions { Force = true });
            (failed, rewritten) = (run.UsersFailed, 0);
        }
        else
        {
            var sync = Sync(cs, new SyncOptions());
            (failed, rewritten) = (sync.UsersFailed, sync.UsersResynced);
            Assert.Equal(1, sync.PendingUsers); // the user that failed keeps its change records for the next sync
        }

        Assert.Equal(1L, failed);
        Assert.Equal(force ? 0L : 4L, rewritten);
        using (var c = Open(cs))
        {
            var locations = users.Select(u => Scalar<string>(c, $"""SELECT coalesce(location, '') FROM "ProfileNew" WHERE "userId" = '{u}'""")).ToList();
            Assert.Equal(["Elsewhere", "Elsewhere", "Elsewhere", "Elsewhere"], locations.Where((_, k) => k != 1));
            Assert.NotEqual("Poison", locations[1]);
            foreach (var user in users)
            {
                Assert.Equal(0L, NotOwned(c, user));
            }

            // Each user that differed was rewritten once: its ProfileNew row has one version by its record's xmin, and
            // the rows written around the failed user were not rewritten again by the users after them.
            Assert.Equal(0L, Scalar<long>(c, $"""
                SELECT count(*) FROM "ProfileNew" p JOIN matchmade.migrated_user m ON m.user_id = p."userId"
                WHERE p."userId" IN ('{string.Join("','", users)}') AND NOT (p.xmin = m.xmin)
                """));
            Exec(c, """ALTER TABLE "ProfileNew" DROP CONSTRAINT dba_no_poison""");
        }

        AssertUndoNeedsNoForce(cs);
    }

    [Fact]
    public void A_continuous_sync_with_a_user_it_cannot_write_waits_its_interval_and_reports_the_user_once()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        string poisoned;
        using (var c = Open(cs))
        {
            poisoned = UsersWithObjectBlobs(c, 1).Single();
            Exec(c, NoPoison);
            MoveTo(c, poisoned, "Poison");
        }

        // The user stays pending: each pass claims it again and fails it again. A pass that synced nothing else is no
        // progress, so the sync waits its interval instead of claiming it again at once.
        var outcome = Sync(cs, new SyncOptions { Continuous = true, Interval = TimeSpan.FromSeconds(1), Until = DateTimeOffset.UtcNow.AddSeconds(3) });

        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.InRange(outcome.Passes, 2, 5);
        Assert.Equal(1, outcome.PendingUsers);
        Assert.Equal(1, outcome.UsersFailed);
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(outcome.ReportPath!));
        var error = Assert.Single(report.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal(poisoned, error.GetProperty("userId").GetString());
    }

    /// <summary>A constraint a DBA added to the new table, which a user whose location is 'Poison' breaks.</summary>
    private const string NoPoison = """ALTER TABLE "ProfileNew" ADD CONSTRAINT dba_no_poison CHECK ("location" IS DISTINCT FROM 'Poison')""";

    /// <summary>Sets the location in every blob of the user (an app's edit, tracked).</summary>
    private static void MoveTo(NpgsqlConnection c, string userId, string place) =>
        Exec(c, $$"""UPDATE "Profile" SET data = data || jsonb_build_object('location', '{{place}}') WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{{userId}}')""");
}
