using Matchmade.Core.Migration;
using Matchmade.Core.Sql;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// The reader hands each user on as soon as its rows are read (the merge then holds one user's blobs, not a batch's):
/// every user exactly once, with all of its contexts, the batch in key order, users without contexts included; with a
/// <see cref="BatchBudget"/>, a batch ends after the user whose blobs pass it, and the next one resumes after that user.
/// </summary>
public sealed class BatchReaderTests
{
    [Fact]
    public void Each_user_is_handed_on_once_with_all_its_contexts_in_key_order()
    {
        using var db = DatabaseFixture.CreateFresh("reader");
        using var c = db.Open();
        var expected = Load(c);
        var (read, handed, _) = ReadAll(c, budget: null);
        Assert.Contains(expected, e => e.Contexts == 0);
        Assert.Equal(expected, read);
        Assert.Equal(expected.Count, handed);
    }

    [Fact]
    public void A_batch_ends_after_the_user_whose_blobs_pass_the_budget_and_the_next_resumes_after_it()
    {
        using var db = DatabaseFixture.CreateFresh("reader_budget");
        using var c = db.Open();
        var expected = Load(c);
        var largest = expected.Max(e => e.Chars);
        var budget = new BatchBudget(4 * largest);
        var (read, handed, batches) = ReadAll(c, budget);
        Assert.Equal(expected, read);
        Assert.Equal(expected.Count, handed);
        // Every batch stops within one user of the budget, though 64 users' blobs would be several times that.
        Assert.All(batches, b => Assert.True(b.Chars < budget.Chars + largest, $"a batch of {b.Users} users read {b.Chars} characters of blobs"));
        Assert.True(expected.Sum(e => e.Chars) > 4 * budget.Chars);
        Assert.True(batches.Count > expected.Count / 64 + 1, "the budget ended no batch early");
        Assert.True(budget.Begin(64) < 64, "the next read still asks for the whole batch size");
    }

    private static List<(string Id, int Contexts, long Chars)> Load(NpgsqlConnection c)
    {
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 300, seed: 5);
        // Blob sizes in UTF-16 characters, as the reader counts them (PostgreSQL's length counts code points).
        var expected = new List<(string, int, long)>();
        using var command = new NpgsqlCommand("""SELECT u.id, cp.id, p.data::text FROM "User" u LEFT JOIN "ContextProfile" cp ON cp."userId" = u.id LEFT JOIN "Profile" p ON p."contextProfileId" = cp.id ORDER BY u.id""", c);
        using var rows = command.ExecuteReader();
        while (rows.Read())
        {
            var (id, contexts, chars) = (rows.GetString(0), rows.IsDBNull(1) ? 0 : 1, rows.IsDBNull(2) ? 0 : rows.GetString(2).Length);
            if (expected.Count > 0 && expected[^1].Item1 == id)
            {
                expected[^1] = (id, expected[^1].Item2 + contexts, expected[^1].Item3 + chars);
            }
            else
            {
                expected.Add((id, contexts, chars));
            }
        }

        return expected;
    }

    /// <summary>Reads every user in batches of at most 64: what was read, how many users were handed on, and each batch's users and blob characters.</summary>
    private static (List<(string, int, long)> Read, int Handed, List<(int Users, long Chars)> Batches) ReadAll(NpgsqlConnection c, BatchBudget? budget)
    {
        var reader = new BatchReader(new SchemaNames("public", "matchmade"), targetExists: false, null, force: false);
        var handed = new HashSet<string>(StringComparer.Ordinal);
        (string, int, long) Each(BatchUser user)
        {
            Assert.True(handed.Add(user.Source.UserId), $"{user.Source.UserId} was handed on twice");
            return (user.Source.UserId, user.Source.Contexts.Count, user.Source.Contexts.Sum(x => (long)(x.ProfileData?.Length ?? 0)));
        }

        var read = new List<(string, int, long)>();
        var batches = new List<(int, long)>();
        for (var after = string.Empty; ;)
        {
            var (idsRead, last, users) = reader.Read(c, null, after, null, 64, Each, budget);
            if (idsRead == 0)
            {
                break;
            }

            read.AddRange(users);
            batches.Add((users.Count, users.Sum(u => u.Item3)));
            after = last;
        }

        return (read, handed.Count, batches);
    }
}
