using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Sync;
using Matchmade.Core.Tests.Migration;

namespace Matchmade.Core.Tests.Sync;

/// <summary>How a sync pass divides its claimed users among -ThrottleLimit workers (SyncRunner.Shares).</summary>
public sealed class SyncSharesTests
{
    private static readonly ChangeRecord[] Orphans = [new(7, "(0,1)"), new(9, "(0,2)")];

    [Theory]
    [InlineData(10_000, 2, 5000, 2)]
    [InlineData(10_000, 3, 5000, 3)]
    [InlineData(1_000, 4, 5000, 2)] // a tenth of the batch (500) per worker at least
    [InlineData(999, 4, 5000, 1)]
    [InlineData(7, 64, 10, 7)] // a batch of 10: one user per worker at least
    [InlineData(0, 4, 5000, 1)] // nothing claimed: one worker still releases the records that name no user
    public void Every_claimed_user_goes_to_one_worker_in_order_in_slices_of_about_as_many(int users, int throttleLimit, int batchSize, int expectedWorkers)
    {
        // Ids that sort differently as text and as numbers: the slices keep the claim's order, they do not re-sort.
        var claimed = Enumerable.Range(0, users).Select(i => new ClaimedUser($"u{users - i}", [new ChangeRecord(i, "(1,1)")])).ToList();

        var shares = SyncRunner.Shares(claimed, Orphans, throttleLimit, batchSize);

        Assert.Equal(expectedWorkers, shares.Count);
        Assert.Equal(claimed, shares.SelectMany(s => s.Users));
        Assert.Equal(Enumerable.Range(0, expectedWorkers), shares.Select(s => s.Index));
        Assert.Equal(Enumerable.Range(1, expectedWorkers).Select(w => $"Worker {w}"), shares.Select(s => s.Name));
        Assert.True(shares.Max(s => s.Users.Count) - shares.Min(s => s.Users.Count) <= 1, string.Join(", ", shares.Select(s => s.Users.Count)));
        Assert.Equal(Orphans, shares[0].AlsoRelease);
        Assert.All(shares.Skip(1), s => Assert.Empty(s.AlsoRelease));
    }

    [Theory]
    [InlineData(0, 1, "InvalidBatchSize")]
    [InlineData(100_001, 1, "InvalidBatchSize")]
    [InlineData(5000, 0, "InvalidThrottleLimit")]
    [InlineData(5000, 65, "InvalidThrottleLimit")]
    public void The_migration_and_the_sync_refuse_the_same_batch_sizes_and_worker_counts(int batchSize, int throttleLimit, string errorId)
    {
        // Refused before anything connects: the target names a server nobody listens on.
        using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = "Host=127.0.0.1;Port=1;Database=none;Username=nobody" });

        var migration = Assert.Throws<MatchmadeException>(() => new MigrationRunner(target, new MigrationOptions { BatchSize = batchSize, ThrottleLimit = throttleLimit }, new RecordingLog()));
        var sync = Assert.Throws<MatchmadeException>(() => new SyncRunner(target, new SyncOptions { BatchSize = batchSize, ThrottleLimit = throttleLimit }, new RecordingLog()));

        Assert.Equal(errorId, migration.ErrorId);
        Assert.Equal(errorId, sync.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, sync.Kind);
    }
}
