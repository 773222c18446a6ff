using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Tests.Shared;

/// <summary>
/// xunit class fixture: a fresh database with the old schema (source.sql) for one test class, dropped afterwards.
/// Classes run in parallel, each on its own database.
/// </summary>
public sealed class DatabaseFixture : IDisposable
{
    public DatabaseFixture()
        : this("t")
    {
    }

    private DatabaseFixture(string prefix, string schema = "public")
    {
        Schema = schema;
        ConnectionString = TestServer.Shared.CreateDatabase(prefix, schema);
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    /// <summary>The postgresql:// form, with password: what a DBA passes as -ConnectionString or DATABASE_URL.</summary>
    public string Url => TestServer.ToUrl(ConnectionString, Schema == "public" ? null : Schema);

    public string Database => new NpgsqlConnectionStringBuilder(ConnectionString).Database!;

    public static DatabaseFixture CreateFresh(string prefix, string schema = "public") => new(prefix, schema);

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose() => TestServer.Shared.DropDatabase(ConnectionString);
}
