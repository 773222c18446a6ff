namespace Matchmade.Core.Reporting.Export;

/// <summary>
/// Counts findings per key (a field, an unmapped key, an error id) in bounded memory: the first
/// <see cref="Capacity"/> distinct keys are counted exactly, with how many users and one example each; findings
/// of further keys (only a hostile or very unusual report has that many) are counted together in
/// <see cref="UntrackedFindings"/>, so the totals stay exact and the page says what was lumped.
/// </summary>
public sealed class Tally
{
    private readonly Dictionary<string, TallyItem> items = new(StringComparer.Ordinal);

    public Tally(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    /// <summary>Every finding added, tracked or not.</summary>
    public long Total { get; private set; }

    /// <summary>Findings of keys beyond the first <see cref="Capacity"/> distinct ones.</summary>
    public long UntrackedFindings { get; private set; }

    public int Distinct => items.Count;

    /// <summary>
    /// Counts one finding of <paramref name="key"/>. Users are counted when the user changes between two findings
    /// of the key: reports list findings in user order, so that is the number of distinct users.
    /// </summary>
    public void Add(string key, string? userId, Func<string?> example)
    {
        Total++;
        if (!items.TryGetValue(key, out var item))
        {
            if (items.Count >= Capacity)
            {
                UntrackedFindings++;
                return;
            }

            item = new TallyItem(key) { Example = example(), ExampleUser = userId };
            items.Add(key, item);
        }

        item.Count++;
        if (item.Users == 0 || !string.Equals(item.LastUser, userId, StringComparison.Ordinal))
        {
            item.Users++;
            item.LastUser = userId;
        }
    }

    /// <summary>The <paramref name="n"/> keys with the most findings (or users), ties by key, and how many findings the others have.</summary>
    public (IReadOnlyList<TallyItem> Top, long RestFindings, int RestKeys) Top(int n, bool byUsers = false)
    {
        var top = items.Values.OrderByDescending(i => byUsers ? i.Users : i.Count).ThenByDescending(i => i.Count).ThenBy(i => i.Key, StringComparer.Ordinal).Take(n).ToList();
        var shown = top.Sum(i => i.Count);
        return (top, Total - shown, items.Count - top.Count);
    }
}

/// <summary>One key of a <see cref="Tally"/>.</summary>
public sealed class TallyItem(string key)
{
    public string Key { get; } = key;

    public long Count { get; internal set; }

    /// <summary>Distinct users with this key (see <see cref="Tally.Add"/>).</summary>
    public long Users { get; internal set; }

    /// <summary>The first finding's value (JSON text, shortened), or null.</summary>
    public string? Example { get; internal set; }

    public string? ExampleUser { get; internal set; }

    internal string? LastUser { get; set; }
}
