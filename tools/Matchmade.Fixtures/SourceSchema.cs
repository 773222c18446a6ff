using System.Reflection;
using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>The app's old schema exactly as Prisma generates it (the project's copy of the contract's source.sql).</summary>
public static class SourceSchema
{
    public static string Sql { get; } = ReadResource("Matchmade.Fixtures.source.sql");

    /// <summary>Applies source.sql in one transaction; a schema other than public is created and used via search_path.</summary>
    public static void Apply(NpgsqlConnection connection, string schema = "public")
    {
        using var transaction = connection.BeginTransaction();
        var quoted = new NpgsqlCommandBuilder().QuoteIdentifier(schema);
        using (var create = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {quoted}; SET LOCAL search_path TO {quoted};", connection, transaction))
        {
            create.ExecuteNonQuery();
        }

        using (var ddl = new NpgsqlCommand(Sql, connection, transaction))
        {
            ddl.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    internal static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Missing resource {name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
