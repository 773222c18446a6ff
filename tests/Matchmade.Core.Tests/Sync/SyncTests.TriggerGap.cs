using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using Matchmade.Core.Tracking;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>
/// A tracking trigger that stopped firing for a while (dropped, disabled, or set to fire only for replication
/// sessions): the writes meanwhile have no record, so nothing may call tracking installed while it does not fire, and
/// once Invoke-ProfileMigration puts it back the record is not whole until a -Full sync has caught up.
/// </summary>
public sealed partial class SyncTests
{
    /// <summary>Migrated with -NoChangeTracking: the first install comes after the app's writes, like a trigger put back.</summary>
    private const string NeverTracked = "-NoChangeTracking";

    [Theory]
    [InlineData("""DROP TRIGGER matchmade_record_change ON "Profile" """)]
    [InlineData("""ALTER TABLE "Profile" DISABLE TRIGGER matchmade_record_change""")]
    [InlineData("""ALTER TABLE "Profile" ENABLE REPLICA TRIGGER matchmade_record_change""")]
    [InlineData(NeverTracked)]
    public void Writes_while_a_trigger_did_not_fire_are_not_hidden_by_its_reinstall_and_a_full_sync_brings_them_back(string stopFiring)
    {
        var cs = NewDatabase(30);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions { ChangeTracking = stopFiring != NeverTracked }).Status);
        const string Edit = """UPDATE "Profile" SET data = '{"name": "Unrecorded", "location": "Nowhere"}' WHERE id IN (SELECT DISTINCT ON (cp."userId") p.id FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId" ORDER BY cp."userId", p.id LIMIT 3)"""; // three users;
        using (var c = Open(cs))
        {
            if (stopFiring != NeverTracked)
            {
                Exec(c, stopFiring);
            }

            Exec(c, Edit);
        }

        using (var target = Target(cs))
        using (var c = Open(cs))
        {
            var stopped = ChangeTracking.Read(c, null, target.Schemas);
            Assert.False(stopped.Installed, $"status {stopped.Status} while a trigger does not fire");
            Assert.Equal(0, stopped.PendingUsers); // the edit left no record
        }

        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status); // puts the trigger back
        using (var target = Target(cs))
        using (var c = Open(cs))
        {
            Assert.Equal(1L, Scalar<long>(c, """SELECT count(*) FROM pg_trigger WHERE tgrelid = '"Profile"'::regclass AND tgname = 'matchmade_record_change' AND tgenabled = 'O'"""));
            Assert.Equal("Reset", ChangeTracking.Read(c, null, target.Schemas).Status); // the edits meanwhile have no record
        }

        Assert.Equal(ErrorIds.TrackingReset, Assert.Throws<MatchmadeException>(() => Sync(cs, new SyncOptions())).ErrorId);
        var full = Sync(cs, new SyncOptions { Full = true });
        Assert.Equal(RunStatus.Completed, full.Status);
        Assert.Equal(3, full.UsersResynced);
        AssertSyncedExactly(cs);

        // Firing and whole again: the next edit is recorded and a plain sync takes it.
        using (var c = Open(cs))
        {
            Exec(c, Edit.Replace("Unrecorded", "Recorded", StringComparison.Ordinal));
        }

        Assert.Equal(3, Sync(cs, new SyncOptions()).UsersResynced);
        AssertSyncedExactly(cs);
    }
}
