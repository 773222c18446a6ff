using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Topology;

/// <summary>
/// A real PgBouncer in front of the test server: transaction and statement pooling are refused before anything is
/// written (no lock left behind); session pooling migrates and keeps a second run out.
/// </summary>
public sealed class PgBouncerTests : IDisposable
{
    private const int Users = 120;
    private readonly string reports = Directory.CreateTempSubdirectory("mm-bouncer-").FullName;
    private readonly string cs = TestServer.Shared.CreateDatabase("bouncer");

    public PgBouncerTests()
    {
        using var c = Open(cs);
        SampleData.LoadSynthetic(c, Users, seed: 15);
    }

    public void Dispose()
    {
        TestServer.Shared.DropDatabase(cs);
        Directory.Delete(reports, recursive: true);
    }

    [Theory]
    [InlineData("transaction")]
    [InlineData("statement")]
    public void Transaction_and_statement_pooling_are_refused_before_anything_is_written(string mode)
    {
        using var bouncer = PgBouncer.Start(cs, mode);
        foreach (var dryRun in new[] { false, true })
        {
            var e = Assert.Throws<MatchmadeException>(() => Migrate(bouncer.ConnectionString, new MigrationOptions { DryRun = dryRun }));
            Assert.Equal("PooledConnection", e.ErrorId);
            Assert.Equal(FailureKind.InvalidOperation, e.Kind);
            Assert.Contains($"{mode} pooling mode", e.Message, StringComparison.Ordinal);
            Assert.Contains("PgBouncer", e.Message, StringComparison.Ordinal);
            Assert.Contains("DIRECT_URL", e.Message, StringComparison.Ordinal);
        }

        using (var target = Target(bouncer.ConnectionString))
        {
            var undo = Assert.Throws<MatchmadeException>(() => UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None));
            Assert.Equal("PooledConnection", undo.ErrorId);
        }

        AssertNothingWrittenAndNoLock();
    }

    [Fact]
    public void Pgbouncer_true_in_the_url_is_named_in_the_refusal_and_is_no_proof_on_its_own()
    {
        using var bouncer = PgBouncer.Start(cs, "transaction");
        var pooled = TestServer.ToUrl(bouncer.ConnectionString) + "?pgbouncer=true&connection_limit=1";
        var e = Assert.Throws<MatchmadeException>(() => Migrate(pooled));
        Assert.Equal("PooledConnection", e.ErrorId);
        Assert.Contains("the URL says pgbouncer=true", e.Message, StringComparison.Ordinal);
        AssertNothingWrittenAndNoLock();

        // The same flag on a direct connection: the server's behaviour decides, and it keeps its session.
        var outcome = Migrate(TestServer.ToUrl(cs) + "?pgbouncer=true");
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(Users, outcome.UsersMigrated);
    }

    [Fact]
    public void Session_pooling_migrates_every_user_and_keeps_a_second_run_out()
    {
        using var bouncer = PgBouncer.Start(cs, "session");
        using (var target = Target(bouncer.ConnectionString))
        using (RunLock.Acquire(target, "A first run", CancellationToken.None))
        {
            // Through the pooler and directly alike, the second run is refused while the first holds the lock.
            foreach (var second in new[] { bouncer.ConnectionString, cs })
            {
                var e = Assert.Throws<MatchmadeException>(() => Migrate(second));
                Assert.Equal("MigrationInProgress", e.ErrorId);
            }
        }

        var outcome = Migrate(bouncer.ConnectionString, new MigrationOptions { BatchSize = 25, ThrottleLimit = 2 });
        Assert.Equal(RunStatus.Completed, outcome.Status);
        Assert.Equal(Users, outcome.UsersMigrated);
        using var c = Open(cs);
        Assert.Equal((long)Users, Scalar<long>(c, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(0L, HalfMigratedRows(c));
        Assert.Equal(0L, AdvisoryLocks(c)); // the lock went with the run, though PgBouncer keeps its server sessions
    }

    private void AssertNothingWrittenAndNoLock()
    {
        using var c = Open(cs);
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('ProfileNew', 'ContextIntent') OR schemaname = 'matchmade'"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM pg_namespace WHERE nspname = 'matchmade'"));
        Assert.Equal(0L, AdvisoryLocks(c));
    }

    private static long AdvisoryLocks(NpgsqlConnection c) => Scalar<long>(
        c,
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = @c AND objid::bigint = @o AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        ("c", (long)RunLock.ClassId),
        ("o", (long)RunLock.ObjectId));

    private MigrationOutcome Migrate(string connectionString, MigrationOptions? options = null)
    {
        using var target = Target(connectionString);
        return new MigrationRunner(target, (options ?? new MigrationOptions()) with { ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
    }

    private static DatabaseTarget Target(string connectionString) => DatabaseTarget.Create(new ConnectionRequest { ConnectionString = connectionString });
}
