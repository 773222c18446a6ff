using System.Text.Json;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Sync;

/// <summary>The sync reads a batch before the batch's transaction (the pipeline's read-ahead): what that must not change.</summary>
public sealed partial class SyncTests
{
    [Fact]
    public void A_user_deleted_after_the_batch_was_read_is_removed_and_its_records_released()
    {
        var cs = NewDatabase(20);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        Exec(c, """UPDATE "Profile" SET data = data || '{"name": "Edited"}' WHERE "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" IN (SELECT id FROM "User" ORDER BY id LIMIT 3))""");
        using var target = Target(cs);
        var (users, orphans, _) = SyncRunner.Claim(c, null, target.Schemas);
        Assert.Equal(3, users.Count);
        var batch = new SyncBatch(target.Schemas, Guid.NewGuid());
        var read = batch.Read(c, null, users);
        Assert.Equal(3, read.Merged.Prepared.Count);

        // The app deletes the first user between the read and the batch's transaction.
        Exec(c, $"""DELETE FROM "User" WHERE id = '{users[0].UserId}'""");
        var result = batch.Run(c, read, orphans, null);

        Assert.Equal((2, 0, 1, 0), (result.Resynced, result.Created, result.Deleted, result.Failed));
        Assert.Equal(0L, Scalar<long>(c, $"""SELECT count(*) FROM "ProfileNew" WHERE "userId" = '{users[0].UserId}'"""));
        Assert.Equal(0L, Scalar<long>(c, $"""SELECT count(*) FROM matchmade.migrated_user WHERE user_id = '{users[0].UserId}'"""));

        // The claimed records are released; the deletion's own (committed after the claim) are left for the next sync.
        var claimed = users.SelectMany(u => u.Records).Max(r => r.Seq);
        Assert.Equal(0L, Scalar<long>(c, $"SELECT count(*) FROM matchmade.changed_user WHERE seq <= {claimed}"));
        Assert.True(Scalar<long>(c, "SELECT count(*) FROM matchmade.changed_user") > 0);
        Assert.Equal(0, Sync(cs, new SyncOptions()).PendingUsers);
        AssertAllChecksPass(cs);
    }

    [Fact]
    public void A_user_deleted_after_the_batch_was_read_leaves_no_findings_in_the_batchs_journal()
    {
        var cs = NewDatabase(20);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        // A key the rules do not map in every blob of two users: each has findings.
        Exec(c, """UPDATE "Profile" SET data = data || '{"someUnknownKey": 1}' WHERE jsonb_typeof(data) = 'object' AND "contextProfileId" IN (SELECT id FROM "ContextProfile" WHERE "userId" IN (SELECT DISTINCT cp."userId" FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id AND jsonb_typeof(p.data) = 'object' ORDER BY 1 LIMIT 2))""");
        using var target = Target(cs);
        var runId = Guid.NewGuid();
        var history = new RunHistory(c, target, new RecordingLog());
        history.Prepare();
        history.Start(runId, RunMode.Sync, new Dictionary<string, string?>(), 0, 0);
        var (users, orphans, _) = SyncRunner.Claim(c, null, target.Schemas);
        Assert.Equal(2, users.Count);
        var batch = new SyncBatch(target.Schemas, runId);
        var read = batch.Read(c, null, users);
        Assert.Equal(2, read.Merged.Findings.Select(f => f.UserId).Distinct().Count());

        // The app deletes the first user between the read and the batch's transaction.
        Exec(c, $"""DELETE FROM "User" WHERE id = '{users[0].UserId}'""");
        var result = batch.Run(c, read, orphans, history);

        Assert.Equal((1, 1), (result.Resynced, result.Deleted));
        Assert.All(result.Findings, f => Assert.Equal(users[1].UserId, f.UserId));
        var journaled = result.Encoded!.EntriesOf(ReportEntryKind.UnmappedField)
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("userId").GetString()).ToList();
        Assert.NotEmpty(journaled);
        Assert.All(journaled, id => Assert.Equal(users[1].UserId, id));
    }

    [Fact]
    public void Synced_users_stay_the_modules_own_rows_so_undo_needs_no_force()
    {
        var cs = NewDatabase(40);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using (var c = Open(cs))
        {
            // An edit that changes no value of the new rows (an unknown key), and one that does.
            Exec(c, """UPDATE "Profile" SET data = data || '{"someUnknownKey": 1}' WHERE id IN (SELECT id FROM "Profile" ORDER BY id LIMIT 10)""");
            Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE id IN (SELECT id FROM "Profile" ORDER BY id DESC LIMIT 10)""");
        }

        var sync = Sync(cs, new SyncOptions { BatchSize = 7 });
        Assert.True(sync.UsersResynced > 0 && sync.PendingUsers == 0, sync.Message);
        AssertUndoNeedsNoForce(cs);
    }

    [Fact]
    public void A_pass_starts_with_a_tenth_of_the_batch_size_and_doubles_it_up_to_the_batch_size()
    {
        var (cs, changed) = MigratedWithEveryBlobEdited();

        var log = new RecordingLog();
        using (var target = Target(cs))
        {
            var sync = new SyncRunner(target, new SyncOptions { BatchSize = 20, ReportPath = reports }, log).Run(CancellationToken.None);
            Assert.Equal((changed, 0L), (sync.UsersResynced, sync.PendingUsers));
        }

        var expected = new List<long>();
        for (long size = 2, left = changed; left > 0; left -= expected[^1], size = Math.Min(2 * size, 20))
        {
            expected.Add(Math.Min(size, left));
        }

        var sizes = log.Verbose.Where(m => m.StartsWith("Sync batch", StringComparison.Ordinal))
            .Select(m => long.Parse(m.Split(' ')[3], System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(changed > 30, $"{changed} changed users: too few to reach the batch size");
        Assert.Equal(expected, sizes);
        AssertSyncedExactly(cs);
    }

    [Fact]
    public void A_batch_ends_where_its_blobs_pass_the_size_budget_and_every_changed_user_is_still_synced()
    {
        var (cs, changed) = MigratedWithEveryBlobEdited();

        // A budget of a few users' blobs: batches of 1,000 users end after a handful each.
        var log = new RecordingLog();
        using (var target = Target(cs))
        {
            var sync = new SyncRunner(target, new SyncOptions { BatchSize = 1000, BatchBytes = 2_000, ReportPath = reports }, log).Run(CancellationToken.None);
            Assert.Equal((changed, 0L, 0L), (sync.UsersResynced, sync.UsersFailed, sync.PendingUsers));
        }

        var batches = log.Verbose.Count(m => m.StartsWith("Sync batch", StringComparison.Ordinal));
        Assert.True(batches > changed / 10, $"{batches} batches for {changed} users: the budget ended none early");
        AssertSyncedExactly(cs);
    }

    /// <summary>60 users migrated, then a shared field edited in every object blob; returns the users that changed.</summary>
    private (string Cs, long Changed) MigratedWithEveryBlobEdited()
    {
        var cs = NewDatabase(60);
        Assert.Equal(RunStatus.Completed, Migrate(cs, new MigrationOptions()).Status);
        using var c = Open(cs);
        Exec(c, """UPDATE "Profile" SET data = data || '{"location": "Elsewhere"}' WHERE jsonb_typeof(data) = 'object'""");
        return (cs, Scalar<long>(c, """SELECT count(DISTINCT cp."userId") FROM "ContextProfile" cp JOIN "Profile" p ON p."contextProfileId" = cp.id WHERE jsonb_typeof(p.data) = 'object'"""));
    }
}
