namespace Matchmade.Core.Migration;

/// <summary>
/// Bounds what one batch of a pipeline holds by its size, not only by its number of users (issue 17: a batch of 5,000
/// users with 30 KB of JSON each held 870 MB; one of 5,000 users with ten findings each, 50,000 finding objects).
/// The size is counted in characters: those of the blobs read (the merged rows kept for the write are about as many
/// bytes) plus <see cref="FindingChars"/> per finding the merge reported. Two parts: the next read asks for as many
/// users as should fit in three quarters of the budget at the size per user of the batch before (so a batch of
/// ordinary users is never cut: the budget does not bite on them), and a read that still passes the budget ends its
/// batch after the user that did (the rest of its rows are skipped, and read again with the next batch). One per
/// pipeline: it keeps the last batch's figure, and pipelines run at the same time.
/// </summary>
public sealed class BatchBudget(long chars)
{
    /// <summary>What a finding weighs, in characters: its objects and value texts, about 400 bytes held until its batch is reported.</summary>
    public const int FindingChars = 200;

    private double charsPerId;
    private long spent;

    /// <summary>Characters per batch.</summary>
    public long Chars { get; } = chars > 0 ? chars : throw new ArgumentOutOfRangeException(nameof(chars), chars, "The budget must be positive.");

    /// <summary>Whether the read under way has passed the budget.</summary>
    public bool Exhausted => Interlocked.Read(ref spent) >= Chars;

    /// <summary>How many user ids the next read should ask for, at most <paramref name="limit"/>; starts counting that read.</summary>
    public int Begin(int limit)
    {
        Interlocked.Exchange(ref spent, 0);
        return charsPerId <= 0 ? limit : (int)Math.Clamp(Chars * 0.75 / charsPerId, 1, limit);
    }

    /// <summary>Counts characters held by the read under way (blobs as read; findings as merged, from any thread).</summary>
    public void Spend(long count) => Interlocked.Add(ref spent, count);

    /// <summary>The read under way ended: <paramref name="ids"/> user ids walked past for what was spent.</summary>
    public void Observed(int ids) => charsPerId = ids > 0 ? (double)Interlocked.Read(ref spent) / ids : charsPerId;
}
