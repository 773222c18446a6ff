using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Rollback;
using Matchmade.Core.Verification;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Migration;

/// <summary>A schema name with quotes, spaces, a semicolon and unicode works end to end and injects nothing.</summary>
public sealed class HostileSchemaNameTests : IDisposable
{
    private const string Schema = "app \"x\"; DROP TABLE \"User\"; -- ü";
    private readonly string reports = Directory.CreateTempSubdirectory("mm-hostile-").FullName;
    private readonly string cs = TestServer.Shared.CreateDatabase("hostile", Schema);

    public void Dispose()
    {
        TestServer.Shared.DropDatabase(cs);
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void Migrate_verify_and_undo_in_a_schema_named_like_an_injection()
    {
        using (var c = new NpgsqlConnection(cs))
        {
            c.Open();
            SampleData.LoadQaUsers(c, Schema);
            SampleData.LoadSynthetic(c, 100, seed: 2, schema: Schema);
        }

        var request = new ConnectionRequest { ConnectionString = cs, Schema = Schema, StateSchema = "mm state \"; --" };
        using (var target = DatabaseTarget.Create(request))
        {
            var outcome = new MigrationRunner(target, new MigrationOptions { BatchSize = 30, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            Assert.Equal(RunStatus.Completed, outcome.Status);
            Assert.Equal(103, outcome.UsersMigrated);
            Assert.All(new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None), r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
            Assert.True(UndoRunner.Run(target, new UndoOptions(), new RecordingLog(), CancellationToken.None).Dropped);
        }

        using var check = new NpgsqlConnection(cs);
        check.Open();
        Assert.Equal(103L, Scalar<long>(check, "SELECT count(*) FROM \"app \"\"x\"\"; DROP TABLE \"\"User\"\"; -- ü\".\"User\""));
        Assert.Equal(1L, Scalar<long>(check, "SELECT count(*) FROM pg_namespace WHERE nspname = 'mm state \"; --'"));
    }
}
