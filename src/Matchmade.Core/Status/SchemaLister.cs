using Matchmade.Core.Connection;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Status;

/// <summary>The schemas of a database an app's tables may live in (for -Schema's tab completion).</summary>
public static class SchemaLister
{
    public static IReadOnlyList<string> AppSchemas(DatabaseTarget target, CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        using var command = new NpgsqlCommand(SqlText.Raw("app-schemas.sql"), connection);
        command.Parameters.AddWithValue("state", target.Schemas.State);
        var schemas = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            schemas.Add(reader.GetString(0));
        }

        return schemas;
    }
}
