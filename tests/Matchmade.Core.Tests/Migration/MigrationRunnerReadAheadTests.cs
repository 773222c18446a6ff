using Matchmade.Core.Migration;
using Matchmade.Core.Migration.Pipeline;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>The live run writes a batch read before its transaction (the pipeline's read-ahead): what the app does in between.</summary>
public sealed partial class MigrationRunnerTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_user_the_app_deletes_after_the_batch_was_read_is_neither_written_nor_failed(bool force, bool duringTheWrite)
    {
        var cs = NewDatabase(qa: false, synthetic: 20);
        if (force)
        {
            Assert.Equal(RunStatus.Completed, Run(cs).Status);
        }
        else
        {
            using var c = Open(cs);
            Exec(c, File.ReadAllText(RepoFile("src/Matchmade.Core/Schema/Sql/migration.sql")));
        }

        using var connection = Open(cs);
        using var target = Target(cs);
        var log = new RecordingLog();
        var history = new RunHistory(connection, target, log);
        history.Prepare();
        var runId = Guid.NewGuid();
        history.Start(runId, RunMode.Live, new Dictionary<string, string?>(), 10, 0);
        var reader = new BatchReader(target.Schemas, targetExists: true, userIds: null, force);
        var batch = new MergingSource(reader, connection, null, null, new BatchBudget(MigrationOptions.DefaultBatchBytes)).Read(string.Empty, 10);
        Assert.Equal(10, batch.Merged.Prepared.Count);
        var deleted = batch.Merged.Prepared[3].UserId;

        if (duringTheWrite)
        {
            // The app's delete lands after the batch's transaction looked which users exist and before the user's rows are
            // written (here a trigger deletes the user as its ProfileNew row is inserted): the foreign key refuses the row.
            Exec(connection, $$"""
                CREATE FUNCTION app_deletes() RETURNS trigger LANGUAGE plpgsql AS $f$
                BEGIN DELETE FROM "User" WHERE id = NEW."userId"; RETURN NEW; END $f$;
                CREATE TRIGGER app_deletes BEFORE INSERT ON "ProfileNew" FOR EACH ROW WHEN (NEW."userId" = '{{deleted}}') EXECUTE FUNCTION app_deletes();
                """);
        }
        else
        {
            // The app deletes a user of the batch between the read and the batch's transaction (the writer is a batch behind).
            Exec(connection, $"""DELETE FROM "User" WHERE id = '{deleted}'""");
        }

        var counters = new RunCounters();
        BatchResult? result = null;
        var options = new MigrationOptions { Force = force };
        new LiveWriteSink(new LiveWrite(new BatchWriter(target.Schemas), history, runId, options, counters, log), connection, r => result = r).Accept(batch);

        Assert.Equal((9, 0), (result!.Migrated, result.Failed));
        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Findings, f => f.UserId == deleted);
        Assert.Equal((9L, 0L), (counters.Migrated, counters.Failed));
        Assert.Equal("9,0", Scalar<string>(connection, $"SELECT users_migrated || ',' || users_failed FROM matchmade.run WHERE run_id = '{runId}'"));
        Assert.Equal(0L, Scalar<long>(connection, $"""SELECT count(*) FROM "ProfileNew" WHERE "userId" = '{deleted}'"""));
        Assert.Equal(9L, Scalar<long>(connection, $"""SELECT count(*) FROM "ProfileNew" WHERE "userId" IN ({string.Join(", ", batch.Merged.Prepared.Select(u => $"'{u.UserId}'"))})"""));
        Assert.Equal(0L, HalfMigratedRows(connection));
    }
}
