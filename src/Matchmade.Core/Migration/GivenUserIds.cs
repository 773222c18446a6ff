using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Core.Migration;

/// <summary>Says which of a canary's given user ids (-UserId) do not exist, by name, so the typo can be found.</summary>
internal static class GivenUserIds
{
    private const int Named = 5;

    /// <summary>On a connection of its own: the caller's is busy reading the scope counts.</summary>
    public static string MissingWarning(DatabaseTarget target, IReadOnlyCollection<string> ids, long found)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToArray();
        var missing = new List<string>(Named);
        using (var connection = target.Open())
        using (var command = new NpgsqlCommand(SqlText.For("missing-users.sql", target.Schemas), connection))
        {
            command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = distinct });
            Db.Strings(command, missing);
        }

        var count = distinct.Length - found;
        var names = string.Join(", ", missing.Select(id => $"'{id}'")) + (count > missing.Count ? ", …" : string.Empty);
        return string.Create(CultureInfo.InvariantCulture,
            $"{count} of the {distinct.Length} given user ids {(count == 1 ? "does" : "do")} not exist in {target.Schemas.App}.\"User\": {names}. Check them (user ids are case-sensitive); the run goes on with the others.");
    }
}
