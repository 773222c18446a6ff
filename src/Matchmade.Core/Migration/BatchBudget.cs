namespace Matchmade.Core.Migration;

/// <summary>
/// Bounds what one batch of a pipeline holds by the size of its blobs, not only by its number of users (issue 17: a
/// batch of 5,000 users with 30 KB of JSON each held 870 MB). Two parts: the next read asks for as many users as should
/// fit in three quarters of the budget at the blob size per user of the batch before (so a batch of ordinary users is
/// never cut: the budget does not bite on them), and a read that still passes the budget ends its batch after the user
/// that did (the rest of its rows are skipped, and read again with the next batch). One per pipeline: it keeps the last
/// batch's figure, and pipelines run at the same time.
/// </summary>
public sealed class BatchBudget(long chars)
{
    /// <summary>Characters of blob JSON text per batch (about bytes: the blobs are mostly ASCII).</summary>
    public long Chars { get; } = chars > 0 ? chars : throw new ArgumentOutOfRangeException(nameof(chars), chars, "The budget must be positive.");

    private double charsPerId;

    /// <summary>How many user ids the next read should ask for, at most <paramref name="limit"/>.</summary>
    public int Limit(int limit) => charsPerId <= 0 ? limit : (int)Math.Clamp(Chars * 0.75 / charsPerId, 1, limit);

    /// <summary>What a read took: <paramref name="ids"/> user ids walked past, <paramref name="blobChars"/> characters of blobs read for them.</summary>
    public void Observed(int ids, long blobChars) => charsPerId = ids > 0 ? (double)blobChars / ids : charsPerId;
}
