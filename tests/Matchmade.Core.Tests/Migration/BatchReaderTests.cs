using Matchmade.Core.Migration;
using Matchmade.Core.Sql;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// The reader hands each user on as soon as its rows are read (the merge then holds one user's blobs, not a batch's):
/// every user exactly once, with all of its contexts, the batch in key order, users without contexts included.
/// </summary>
public sealed class BatchReaderTests
{
    [Fact]
    public void Each_user_is_handed_on_once_with_all_its_contexts_in_key_order()
    {
        using var db = DatabaseFixture.CreateFresh("reader");
        using var c = db.Open();
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 300, seed: 5);
        var expected = new List<(string, int)>();
        using (var command = new NpgsqlCommand("""SELECT u.id, count(cp.id)::int FROM "User" u LEFT JOIN "ContextProfile" cp ON cp."userId" = u.id GROUP BY u.id ORDER BY u.id""", c))
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                expected.Add((rows.GetString(0), rows.GetInt32(1)));
            }
        }

        var reader = new BatchReader(new SchemaNames("public", "matchmade"), targetExists: false, null, force: false);
        var handed = new HashSet<string>(StringComparer.Ordinal);
        (string, int) Each(BatchUser user)
        {
            Assert.True(handed.Add(user.Source.UserId), $"{user.Source.UserId} was handed on twice");
            return (user.Source.UserId, user.Source.Contexts.Count);
        }

        var read = new List<(string, int)>();
        for (var after = string.Empty; ;)
        {
            var (idsRead, last, users) = reader.Read(c, null, after, null, 64, Each);
            if (idsRead == 0)
            {
                break;
            }

            read.AddRange(users);
            after = last;
        }

        Assert.Contains(expected, e => e.Item2 == 0);
        Assert.Equal(expected, read);
        Assert.Equal(expected.Count, handed.Count);
    }
}
