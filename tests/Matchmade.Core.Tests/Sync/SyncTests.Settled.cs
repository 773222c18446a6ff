using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// The rebuild in place leaves alone the users whose new rows already are the merge's and the module's own
/// (upsert-settled.sql): always with -Force, and in a sync from its first batch while enough of its users come out unchanged. Of every other
/// user it rewrites each row (ProfileNew, ContextIntent) that differs or is not the module's, and records the xmin of
/// each row it left alone (kept_by), so Undo's ownership test still holds.
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
        var mappedIntents = IntentVersions(c, mapped);
        var handEditedIntent = Scalar<string>(c, $"""SELECT min(id) FROM "ContextIntent" WHERE "userId" = '{handEdited}'""");

        // A value changed in the old tables; a ContextIntent value edited by hand; a ProfileNew row rewritten unchanged.
        Exec(c, $$"""UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{{mapped}}')""");
        Exec(c, $"""UPDATE "ContextIntent" SET missing = ARRAY['byHand'] WHERE id = '{handEditedIntent}'""");
        Exec(c, $"""UPDATE "ProfileNew" SET "updatedAt" = "updatedAt" WHERE "userId" = '{handTouched}'""");

        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions { Force = true }).Status);
        Assert.Equal(before, Versions(c, untouched));
        foreach (var id in new[] { mapped, handEdited, handTouched })
        {
            Assert.Equal(0L, NotOwned(c, id));
        }

        // A shared field changed: the mapped user's ContextIntents came out the same and were left alone. The one edited
        // by hand was rewritten with the record.
        Assert.Equal(mappedIntents, IntentVersions(c, mapped));
        Assert.Equal(1L, Scalar<long>(c, $"""SELECT count(*) FROM "ContextIntent" ci JOIN matchmade.migrated_user m ON m.user_id = ci."userId" WHERE ci.id = '{handEditedIntent}' AND ci.xmin = m.xmin"""));

        Assert.Equal(0L, Scalar<long>(c, """SELECT count(*) FROM "ContextIntent" WHERE 'byHand' = ANY(missing)"""));
        c.Close(); // the fresh migration below copies the database, which no session may be using
        Assert.Equal(0L, Sync(cs, new SyncOptions()).PendingUsers); // -Force leaves the change records to the sync
        AssertSyncedExactly(cs);
        AssertUndoNeedsNoForce(cs);
    }

    [Fact]
    public void A_sync_of_users_that_come_out_unchanged_leaves_them_alone_from_its_first_batch() =>
        AssertLeftAloneFrom(firstUserDiffers: false, firstLeftAlone: 0); // the check is on from the first batch and kept on

    [Fact]
    public void A_sync_whose_first_batch_differs_turns_the_check_off_and_tries_it_again_16_batches_later() =>
        AssertLeftAloneFrom(firstUserDiffers: true, firstLeftAlone: 17); // off after the first user, the next 16 rewritten without it

    /// <summary>
    /// Syncs the re-saved users (<see cref="ResavedBlobs"/>) a batch per user, in id order, and asserts that exactly
    /// those from <paramref name="firstLeftAlone"/> on kept their new rows' versions, then that the sync is exact and
    /// Undo still sees every row as the module's.
    /// </summary>
    private void AssertLeftAloneFrom(bool firstUserDiffers, int firstLeftAlone)
    {
        var (cs, users, before) = ResavedBlobs(firstUserDiffers);
        var sync = Sync(cs, new SyncOptions { BatchSize = 1 });
        Assert.Equal(((long)users.Count, 0L), (sync.UsersResynced, sync.PendingUsers));
        using (var c = Open(cs))
        {
            Assert.Equal(Enumerable.Range(0, users.Count).Select(i => i >= firstLeftAlone), users.Select((id, i) => Versions(c, id) == before[i]));
        }

        AssertSyncedExactly(cs);
        AssertUndoNeedsNoForce(cs);
    }

    /// <summary>
    /// A migrated database whose app then re-saves every blob with a key the rules do not map (no value of the new rows
    /// changes), the first user's with a shared field changed too when <paramref name="firstUserDiffers"/>; returns the
    /// users with blobs (id order) and their new rows' versions before.
    /// </summary>
    private (string Cs, List<string> Users, List<string> Before) ResavedBlobs(bool firstUserDiffers)
    {
        var cs = NewDatabase(40);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        var users = Ids(c, """SELECT DISTINCT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id ORDER BY 1""");
        Assert.True(users.Count > 20, $"{users.Count} users with blobs: too few for the check to be tried again");
        var before = users.Select(id => Versions(c, id)).ToList();
        Exec(c, """UPDATE "Profile" SET data = data || '{"someUnknownKey": 1}' WHERE jsonb_typeof(data) = 'object'""");
        Exec(c, """UPDATE "Profile" SET "updatedAt" = now() WHERE jsonb_typeof(data) <> 'object'""");
        if (firstUserDiffers)
        {
            var edited = Scalar<long>(c, $$"""
                WITH e AS (UPDATE "Profile" SET data = data || '{"location": "Nowhere Before"}' WHERE jsonb_typeof(data) = 'object'
                           AND "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{{users[0]}}') RETURNING 1)
                SELECT count(*) FROM e
                """);
            Assert.True(edited > 0, "the first user has no blob that is an object");
        }

        return (cs, users, before);
    }

    [Fact]
    public void ContextIntents_a_sync_leaves_alone_stay_the_modules_and_a_hand_edit_of_one_is_still_foreign_to_Undo()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        string user, intents;
        using (var c = Open(cs))
        {
            user = UsersWithObjectBlobs(c, 1, contexts: 2).Single();
            intents = IntentVersions(c, user);

            // Twice a shared field changed: the ContextIntents come out the same and are left alone by both syncs, the
            // second of which must still see the ones the first left alone as the module's (kept_by).
            foreach (var place in new[] { "Elsewhere", "Further" })
            {
                Exec(c, $$"""UPDATE "Profile" SET data = data || jsonb_build_object('location', '{{place}}') WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" = '{{user}}')""");
                Assert.Equal(1L, Sync(cs, new SyncOptions()).UsersResynced);
                Assert.Equal(0L, NotOwned(c, user));
            }

            Assert.Equal(intents, IntentVersions(c, user));
        }

        AssertSyncedExactly(cs);
        using (var c = Open(cs))
        {
            // A hand edit that leaves updatedAt as it was: only the xmin shows the row is no longer the module's.
            Exec(c, $"""UPDATE "ContextIntent" SET missing = ARRAY['byHand'] WHERE id = (SELECT min(id) FROM "ContextIntent" WHERE "userId" = '{user}')""");
        }

        using var target = Target(cs);
        var e = Assert.Throws<MatchmadeException>(() => UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None));
        Assert.Equal("ForeignRowsPresent", e.ErrorId);
        Assert.Contains("0 ProfileNew and 1 ContextIntent rows", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ProfileNew_row_a_sync_leaves_alone_stays_the_modules_and_a_hand_edit_of_it_is_still_foreign_to_Undo()
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        string user, profile;
        using (var c = Open(cs))
        {
            user = UsersWithObjectBlobs(c, 1).Single();
            profile = ProfileVersion(c, user);

            // Twice a field of the user's contexts' own changed: the ContextIntents are rewritten, the ProfileNew row
            // comes out the same and is left alone by both syncs, the second of which must still see it as the module's.
            foreach (var edit in new[] { "first", "second" })
            {
                Exec(c, $$"""
                    UPDATE "Profile" p SET data = p.data || jsonb_build_object(CASE cp."contextType"::text WHEN 'romantic' THEN 'relationshipTimeline'
                        WHEN 'friendship' THEN 'friendshipDepth' WHEN 'professional' THEN 'partnershipType' WHEN 'creative' THEN 'creativeType' ELSE 'serviceType' END,
                        '{{edit}} edit')
                    FROM "ContextProfile" cp WHERE cp.id = p."contextProfileId" AND cp."userId" = '{{user}}'
                    """);
                var intents = IntentVersions(c, user);
                Assert.Equal(1L, Sync(cs, new SyncOptions()).UsersResynced);
                Assert.NotEqual(intents, IntentVersions(c, user));
                Assert.Equal(profile, ProfileVersion(c, user));
                Assert.Equal(0L, NotOwned(c, user));
            }
        }

        AssertSyncedExactly(cs);
        using (var c = Open(cs))
        {
            // A hand edit that leaves updatedAt as it was: only the xmin shows the row is no longer the module's.
            Exec(c, $"""UPDATE "ProfileNew" SET missing = ARRAY['byHand'] WHERE "userId" = '{user}'""");
        }

        using var target = Target(cs);
        var e = Assert.Throws<MatchmadeException>(() => UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None));
        Assert.Equal("ForeignRowsPresent", e.ErrorId);
        Assert.Contains("1 ProfileNew and 0 ContextIntent rows", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The user's ProfileNew row as id:xmin: equal before and after when it was not rewritten.</summary>
    private static string ProfileVersion(NpgsqlConnection c, string userId) =>
        Scalar<string>(c, $"""SELECT id || ':' || xmin::text FROM "ProfileNew" WHERE "userId" = '{userId}'""");

    private void AssertUndoNeedsNoForce(string cs)
    {
        using var target = Target(cs);
        var undo = UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None);
        Assert.True(undo.Dropped);
        Assert.Equal((0L, 0L), (undo.ForeignProfileRows, undo.ForeignContextIntentRows));
    }

    /// <summary>
    /// The user's new rows that are not the module's by its migrated_user record (0: each row either written with the
    /// record or left alone by a rebuild that recorded its xmin in kept_by).
    /// </summary>
    private static long NotOwned(NpgsqlConnection c, string userId) => Scalar<long>(c, $"""
        SELECT count(*) FROM (SELECT xmin FROM "ProfileNew" WHERE "userId" = '{userId}' UNION ALL SELECT xmin FROM "ContextIntent" WHERE "userId" = '{userId}') r
        JOIN matchmade.migrated_user m ON m.user_id = '{userId}'
        WHERE NOT (r.xmin = m.xmin OR r.xmin = ANY(m.kept_by))
        """);

    /// <summary>The user's ContextIntents as (id, xmin), in a fixed order: equal before and after when none was rewritten.</summary>
    private static string IntentVersions(NpgsqlConnection c, string userId) => Scalar<string>(c,
        $"""SELECT string_agg(id || ':' || xmin::text, ',' ORDER BY id) FROM "ContextIntent" WHERE "userId" = '{userId}'""");

    /// <summary>The first <paramref name="count"/> users by id with at least <paramref name="contexts"/> blobs, every one a JSON object.</summary>
    private static List<string> UsersWithObjectBlobs(NpgsqlConnection c, int count, int contexts = 1) => Ids(c, $"""
        SELECT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id
        GROUP BY 1 HAVING count(*) >= {contexts} AND bool_and(jsonb_typeof(p.data) = 'object') ORDER BY 1 LIMIT {count}
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
