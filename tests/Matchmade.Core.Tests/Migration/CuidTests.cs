using Matchmade.Core.Migration;

namespace Matchmade.Core.Tests.Migration;

public sealed class CuidTests
{
    /// <summary>
    /// The random part (the last 11 characters) comes from a block of random bytes per thread: a block used twice, or
    /// one shared by threads without care, would repeat random parts long before 11 base-36 characters could.
    /// </summary>
    [Fact]
    public void Ids_from_several_threads_are_valid_and_their_random_parts_never_repeat()
    {
        const int perThread = 20_000;
        var ids = new string[4][];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = ids.Length }, t =>
        {
            var mine = new string[perThread];
            for (var i = 0; i < perThread; i++)
            {
                mine[i] = Cuid.Next();
            }

            ids[t] = mine;
        });

        var all = ids.SelectMany(i => i).ToList();
        Assert.All(all, id => Assert.True(Cuid.IsValid(id), id));
        Assert.Equal(all.Count, all.Select(id => id[14..]).Distinct(StringComparer.Ordinal).Count());
    }

    /// <summary>Every base-36 character is as likely in the random part (a byte's rest above 252 is dropped, not folded in).</summary>
    [Fact]
    public void The_random_part_uses_every_character_about_equally()
    {
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 36_000; i++)
        {
            foreach (var c in Cuid.Next()[14..])
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        // 396,000 characters over 36: 11,000 each expected; a standard deviation is about 103.
        Assert.Equal(36, counts.Count);
        Assert.All(counts, pair => Assert.InRange(pair.Value, 10_400, 11_600));
    }
}
