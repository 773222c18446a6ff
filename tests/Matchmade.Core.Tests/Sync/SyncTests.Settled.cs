using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The rebuild in place leaves alone the users whose new rows already are the merge's and the module's own
/// (upsert-settled.sql), and rewrites whole every other user, so Undo's ownership test still holds: always with -Force,
/// and in a sync once enough of its users come out unchanged.
/// </summary>
public sealed partial class SyncTests
{
    [Fact]
    public void Force_leaves_settled_users_alone_and_rewrites_whole_every_user_that_differs_or_was_touched()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        var ids = Ids(c, """SELECT "userId" FROM "ContextIntent" GROUP BY "userId" HAVING count(*) >= 2 ORDER BY 1 LIMIT 4""");
        Assert.Equal(4, ids.Count);
        var (untouched, mapped, handEdited, handTouched) = (ids[0], ids[1], ids[2], ids[3]);
        var before = Versions(c, untouched);

        // A value changed in the old tables; a ContextIntent value edited by hand; a ProfileNew row rewritten unchanged.
        Exec(c, $$"""UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{{mapped}}')""");
        Exec(c, $"""UPDATE "ContextIntent" SET missing = ARRAY['byHand'] WHERE id = (SELECT min(id) FROM "ContextIntent" WHERE "userId" = '{handEdited}')""");
        Exec(c, $"""UPDATE "ProfileNew" SET "updatedAt" = "updatedAt" WHERE "userId" = '{handTouched}'""");

        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions { Force = true }).Status);
        Assert.Equal(before, Versions(c, untouched));
        foreach (var id in new[] { mapped, handEdited, handTouched })
        {
            Assert.Equal(0L, NotWrittenWithRecord(c, id));
        }

        Assert.Equal(0L, Scalar<long>(c, """SELECT count(*) FROM "ContextIntent" WHERE 'byHand' = ANY(missing)"""));
        c.Close(); // the fresh migration below copies the database, which no session may be using
        Assert.Equal(0L, Sync(cs, new SyncOptions()).PendingUsers); // -Force leaves the change records to the sync
        AssertSyncedExactly(cs);
        AssertUndoNeedsNoForce(cs);
    }

    [Fact]
    public void A_long_sync_of_users_that_come_out_unchanged_turns_the_check_on_and_leaves_them_alone()
    {
        var cs = NewDatabase(40);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        const string Edited = """SELECT DISTINCT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id""";
        var users = Ids(c, Edited + " ORDER BY 1");
        Assert.True(users.Count > 20, $"{users.Count} users with blobs: too few for the check to be tried");
        var before = users.Select(id => Versions(c, id)).ToList();

        // The app re-saves every blob with a key the rules do not map: no value of the new rows changes.
        Exec(c, """UPDATE "Profile" SET data = data || '{"someUnknownKey": 1}' WHERE jsonb_typeof(data) = 'object'""");
        Exec(c, """UPDATE "Profile" SET "updatedAt" = now() WHERE jsonb_typeof(data) <> 'object'""");

        // A batch per user, in id order: the check is off for the first 16 batches, then on, and kept on.
        var sync = Sync(cs, new SyncOptions { BatchSize = 1 });
        Assert.Equal(((long)users.Count, 0L), (sync.UsersResynced, sync.PendingUsers));
        var kept = users.Select((id, i) => Versions(c, id) == before[i]).ToList();
        Assert.Equal(Enumerable.Range(0, users.Count).Select(i => i >= 16), kept);
        c.Close();
        AssertSyncedExactly(cs);
        AssertUndoNeedsNoForce(cs);
    }

    private void AssertUndoNeedsNoForce(string cs)
    {
        using var target = Target(cs);
        var undo = UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None);
        Assert.True(undo.Dropped);
        Assert.Equal((0L, 0L), (undo.ForeignProfileRows, undo.ForeignContextIntentRows));
    }

    /// <summary>The user's new rows that its migrated_user record was not written with (0: rewritten whole, or left whole).</summary>
    private static long NotWrittenWithRecord(NpgsqlConnection c, string userId) => Scalar<long>(c, $"""
        SELECT count(*) FROM (SELECT xmin FROM "ProfileNew" WHERE "userId" = '{userId}' UNION ALL SELECT xmin FROM "ContextIntent" WHERE "userId" = '{userId}') r
        WHERE NOT (r.xmin = (SELECT xmin FROM matchmade.migrated_user WHERE user_id = '{userId}'))
        """);

    private static List<string> Ids(NpgsqlConnection c, string sql)
    {
        using var command = new NpgsqlCommand(sql, c);
        return Matchmade.Core.Connection.Db.Strings(command, new List<string>());
    }

    /// <summary>The user's new rows and migrated_user record as (table, id, xmin), in a fixed order.</summary>
    private static string Versions(NpgsqlConnection c, string userId) => Scalar<string>(c, $"""
        SELECT string_agg(v, ',' ORDER BY v) FROM (
            SELECT 'p:' || id || ':' || xmin::text AS v FROM "ProfileNew" WHERE "userId" = '{userId}'
            UNION ALL SELECT 'i:' || id || ':' || xmin::text FROM "ContextIntent" WHERE "userId" = '{userId}'
            UNION ALL SELECT 'm:' || profile_id || ':' || xmin::text FROM matchmade.migrated_user WHERE user_id = '{userId}') r
        """);
}
