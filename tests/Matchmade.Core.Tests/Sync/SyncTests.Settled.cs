using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The rebuild in place leaves alone the users whose new rows already are the merge's and the module's own
/// (upsert-settled.sql), and rewrites whole every other user, so Undo's ownership test still holds after a sync.
/// </summary>
public sealed partial class SyncTests
{
    [Fact]
    public void A_sync_leaves_settled_users_alone_and_rewrites_whole_every_user_that_differs_or_was_touched()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        var ids = Ids(c, """SELECT "userId" FROM "ContextIntent" GROUP BY "userId" HAVING count(*) >= 2 ORDER BY 1 LIMIT 4""");
        Assert.Equal(4, ids.Count);
        var (unknownKey, mapped, handEdited, handTouched) = (ids[0], ids[1], ids[2], ids[3]);
        var before = Versions(c, unknownKey);

        // The app edits every one of them in the old tables: only one edit changes a value of the new rows.
        foreach (var id in ids)
        {
            var edit = id == mapped ? """{"location": "Elsewhere"}""" : """{"someUnknownKey": 1}""";
            Exec(c, $"""UPDATE "Profile" SET data = data || '{edit}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{id}')""");
        }

        // Someone edits a ContextIntent value of one user by hand, and rewrites another's ProfileNew row unchanged.
        Exec(c, $"""UPDATE "ContextIntent" SET missing = ARRAY['byHand'] WHERE id = (SELECT min(id) FROM "ContextIntent" WHERE "userId" = '{handEdited}')""");
        Exec(c, $"""UPDATE "ProfileNew" SET "updatedAt" = "updatedAt" WHERE "userId" = '{handTouched}'""");

        var sync = Sync(cs, new SyncOptions());
        Assert.Equal((4L, 0L), (sync.UsersResynced, sync.PendingUsers));

        // Left alone: the same row versions, the same migrated_user record.
        Assert.Equal(before, Versions(c, unknownKey));

        // Rewritten whole: every row of the user written with its migrated_user record, the hand edit undone.
        foreach (var id in new[] { mapped, handEdited, handTouched })
        {
            Assert.Equal(0L, Scalar<long>(c, $"""
                SELECT count(*) FROM (SELECT xmin FROM "ProfileNew" WHERE "userId" = '{id}' UNION ALL SELECT xmin FROM "ContextIntent" WHERE "userId" = '{id}') r
                WHERE NOT (r.xmin = (SELECT xmin FROM matchmade.migrated_user WHERE user_id = '{id}'))
                """));
        }

        Assert.Equal(0L, Scalar<long>(c, """SELECT count(*) FROM "ContextIntent" WHERE 'byHand' = ANY(missing)"""));
        c.Close(); // the fresh migration below copies the database, which no session may be using
        AssertAllChecksPass(cs);
        Assert.Equal(FreshMigrationHash(cs), Hash(cs));
        using var target = Target(cs);
        var undo = UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None);
        Assert.True(undo.Dropped);
        Assert.Equal((0L, 0L), (undo.ForeignProfileRows, undo.ForeignContextIntentRows));
    }

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
