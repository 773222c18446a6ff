using Matchmade.Fixtures;
using Npgsql;

namespace Matchmade.Pester.Tests;

/// <summary>
/// The databases the real-pwsh suites get (tests/pwsh/TestHelpers.psm1 documents the contract): one template per
/// test process with the old schema, the seed's QA users and 1,000 synthetic users, not migrated, that nobody
/// connects to; each suite gets a fresh clone of it.
/// </summary>
public static class SampleDatabases
{
    public const int SyntheticUsers = 1000;

    private static readonly Lazy<string> TemplateName = new(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The template's database name (MATCHMADE_TEST_TEMPLATE).</summary>
    public static string Template => TemplateName.Value;

    /// <summary>The maintenance database's URL, with password (MATCHMADE_TEST_ADMIN_URL).</summary>
    public static string AdminUrl => TestServer.ToUrl(TestServer.Shared.AdminConnectionString);

    /// <summary>A fresh clone of the template; returns its connection string.</summary>
    public static string Clone(string prefix) => TestServer.Shared.CloneDatabase(Template, prefix);

    public static string Url(string connectionString) => TestServer.ToUrl(connectionString);

    /// <summary>The environment a suite under tests/pwsh gets, for a database made with <see cref="Clone"/>.</summary>
    public static Dictionary<string, string?> SuiteEnvironment(string connectionString) => new()
    {
        ["MATCHMADE_TEST_URL"] = Url(connectionString),
        ["MATCHMADE_TEST_ADMIN_URL"] = AdminUrl,
        ["MATCHMADE_TEST_TEMPLATE"] = Template,
    };

    public static NpgsqlConnection Open(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static string CreateTemplate()
    {
        var connectionString = TestServer.Shared.CreateDatabase("pwsh_template");
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        using (var connection = Open(unpooled))
        {
            SampleData.LoadQaUsers(connection);
            SampleData.LoadSynthetic(connection, SyntheticUsers);
        }

        return new NpgsqlConnectionStringBuilder(connectionString).Database!;
    }
}
