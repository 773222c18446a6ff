using Matchmade.Core.Migration;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>A server that ends idle sessions (idle_session_timeout, PostgreSQL 14+): the run's own idle sessions stay.</summary>
public sealed partial class MigrationRunnerTests
{
    [Fact]
    public void A_server_that_ends_idle_sessions_does_not_take_the_run_lock_or_the_run_history_away_mid_run()
    {
        var cs = NewDatabase(qa: false, synthetic: 200);
        var database = new Npgsql.NpgsqlConnectionStringBuilder(cs).Database;
        using (var c = Open(cs))
        {
            // What a DBA sets to reap idle connections: every new session of the database gets it.
            Exec(c, $"ALTER DATABASE \"{database}\" SET idle_session_timeout = '1s'");
        }

        var admin = cs + ";Pooling=false";
        bool? lockHeld = null;
        var log = new RecordingLog();
        log.OnProgress = p =>
        {
            if (lockHeld is null && p.Status.StartsWith("Migrated ", StringComparison.Ordinal))
            {
                // The run's lock session is idle for the whole run: idle longer than the server allows.
                Thread.Sleep(2500);
                using var check = Open(admin);
                lockHeld = Scalar<long>(check, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = {RunLock.ClassId} AND objid = {RunLock.ObjectId} AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == 1;
            }
        };
        var outcome = RunWith(cs, new MigrationOptions { BatchSize = 10 }, log);

        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.True(lockHeld, "the run lock was released mid-run: a second run could start");
        // Before: "The run history could not record the end of run …: 57P05: terminating connection due to idle-session
        // timeout. The next run marks it Interrupted."
        Assert.DoesNotContain(log.Warnings, w => w.StartsWith("The run history could not record the end", StringComparison.Ordinal));
        using var after = Open(admin);
        Assert.Equal("Completed", Scalar<string>(after, "SELECT status FROM matchmade.run"));
    }
}
