using System.Management.Automation;
using System.Text;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Tests;

public sealed class StatusTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public void Status_of_a_database_before_and_after_the_new_tables_exist()
    {
        using var session = new PowerShellSession();
        var before = (ProfileStatusView)Status(session, db.Url);
        Assert.Equal("NotStarted", before.State);
        Assert.True(before.OldTablesExist);
        Assert.False(before.NewTablesExist);
        Assert.Equal("public", before.Schema);
        Assert.Matches(@"^\d+\.\d+", before.ServerVersion);
        Assert.Null(before.ProfileNewCount);
        Assert.Equal("NoHistoryTable", before.PrismaMigration);

        using (var connection = db.Open())
        {
            Exec(connection, """
                INSERT INTO "User" (id, email, "updatedAt") VALUES ('u1', 'a@x', now()), ('u2', 'b@x', now()), ('u3', 'c@x', now());
                INSERT INTO "ContextProfile" (id, "userId", "contextType", "updatedAt") VALUES ('cp1', 'u1', 'romantic', now()), ('cp2', 'u1', 'friendship', now());
                INSERT INTO "Profile" (id, "contextProfileId", data, "updatedAt") VALUES ('p1', 'cp1', '{"name":"A"}', now());
                """);
        }

        var counted = Status(session, db.Url);
        Assert.Equal(3L, counted.UserCount);
        Assert.Equal(2L, counted.ContextProfileCount);
        Assert.Equal(1L, counted.ProfileCount);
        Assert.Equal(3L, counted.UsersNotMigrated);

        using (var connection = db.Open())
        {
            Exec(connection, Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(PowerShellSession.RepoRoot, "src", "Matchmade.Core", "Schema", "Sql", "migration.sql"))));
            Exec(connection, """
                CREATE TABLE "_prisma_migrations" (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0);
                INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ('m1', 'x', now(), '20251223025136_add_profile_and_context_intent_models', 1);
                INSERT INTO "ProfileNew" (id, "userId", "updatedAt") VALUES ('pn1', 'u1', now());
                """);
        }

        var after = Status(session, db.Url);
        Assert.True(after.NewTablesExist);
        Assert.Equal("InProgress", after.State);
        Assert.Equal(1L, after.ProfileNewCount);
        Assert.Equal(0L, after.ContextIntentCount);
        Assert.Equal(2L, after.UsersNotMigrated);
        Assert.Equal("Applied", after.PrismaMigration);
    }

    [Fact]
    public void Status_flows_through_the_pipeline_as_a_typed_object()
    {
        using var session = new PowerShellSession();
        var result = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0] | Where-Object { $_.OldTablesExist } | ForEach-Object { $_.GetType().FullName }", db.Url).ThrowOnError();
        Assert.Equal("Matchmade.ProfileMigrationStatus", Assert.Single(result.Output).ToString());
    }

    [Fact]
    public void Each_piped_connection_string_gets_its_own_status()
    {
        using var other = DatabaseFixture.CreateFresh("status_other");
        using var session = new PowerShellSession();
        var result = session.Run("@([pscustomobject]@{ ConnectionString = $args[0] }, [pscustomobject]@{ ConnectionString = $args[1] }) | Get-ProfileMigrationStatus", db.Url, other.Url).ThrowOnError();
        Assert.Equal([db.Database, other.Database], result.Output.Select(o => (string)o.Properties["Database"].Value));
    }

    private static ProfileStatusView Status(PowerShellSession session, string url)
    {
        var result = session.Run("Get-ProfileMigrationStatus -ConnectionString $args[0]", url).ThrowOnError();
        return new ProfileStatusView(Assert.Single(result.Output));
    }

    private static void Exec(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Reads the output object through PowerShell's adapter, as a script would.</summary>
    private sealed class ProfileStatusView(PSObject o)
    {
        private T Get<T>(string name) => (T)o.Properties[name].Value;

        public string State => Get<string>("State");
        public string Schema => Get<string>("Schema");
        public string ServerVersion => Get<string>("ServerVersion");
        public bool OldTablesExist => Get<bool>("OldTablesExist");
        public bool NewTablesExist => Get<bool>("NewTablesExist");
        public long? UserCount => (long?)o.Properties["UserCount"].Value;
        public long? ContextProfileCount => (long?)o.Properties["ContextProfileCount"].Value;
        public long? ProfileCount => (long?)o.Properties["ProfileCount"].Value;
        public long? ProfileNewCount => (long?)o.Properties["ProfileNewCount"].Value;
        public long? ContextIntentCount => (long?)o.Properties["ContextIntentCount"].Value;
        public long? UsersNotMigrated => (long?)o.Properties["UsersNotMigrated"].Value;
        public string PrismaMigration => Get<string>("PrismaMigration");
    }
}
