using System.Collections.Concurrent;

namespace Matchmade.Core.Reporting;

/// <summary>
/// One batch's findings and errors encoded once (<see cref="EntryEncoder"/>): the findings journal's row, and where
/// each of its entries lies in it, so the report's spill files take the very same bytes instead of encoding every
/// finding a second time. Made by <see cref="FindingsJournal.Encode"/> from its <see cref="Pool"/>; whoever reports the
/// batch gives it back with <see cref="Release"/> (one that is never given back is simply collected).
/// </summary>
internal sealed class EncodedFindings
{
    /// <summary>Rows above this size (a huge batch's) are not kept for the next batch.</summary>
    private const int KeepRowBytes = 32 << 20;

    private readonly List<int>[] entries = NewEntries();
    private Pool? owner;
    private byte[] row = [];

    /// <summary>The journal row: <c>{"conflicts":[…],"unmappedFields":[…],"invalidValues":[…],"errors":[…]}</c> (only the arrays it has).</summary>
    public ReadOnlyMemory<byte> Row => row.AsMemory(0, Length);

    public int Length { get; private set; }

    /// <summary>Whether the values were redacted (the report must take only entries encoded as it would encode them).</summary>
    public bool Redacted { get; private set; }

    public EntryCounts Counts { get; private set; }

    /// <summary>Each entry of one kind, in order, as it stands in <see cref="Row"/>.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> EntriesOf(ReportEntryKind kind)
    {
        var bounds = entries[(int)kind];
        for (var i = 0; i < bounds.Count; i += 2)
        {
            yield return row.AsMemory(bounds[i], bounds[i + 1]);
        }
    }

    /// <summary>Hands the row back to its pool: the caller is done with it (and with every span of it).</summary>
    public void Release()
    {
        var pool = Interlocked.Exchange(ref owner, null);
        if (pool is not null && row.Length <= KeepRowBytes)
        {
            pool.Return(this);
        }
    }

    /// <summary>Clears the entries' bounds for a new batch (the row's old content is dropped when it is sized).</summary>
    internal void Begin(bool redacted)
    {
        Redacted = redacted;
        Length = 0;
        foreach (var bounds in entries)
        {
            bounds.Clear();
        }
    }

    /// <summary>Records the next entry of <paramref name="kind"/>: where it starts in its kind's array, and its length.</summary>
    internal void AddEntry(ReportEntryKind kind, int start, int length)
    {
        entries[(int)kind].Add(start);
        entries[(int)kind].Add(length);
    }

    /// <summary>
    /// The row of <paramref name="length"/> bytes to fill; each kind's array is copied into it at
    /// <paramref name="arrayStarts"/>, which moves that kind's entries by as much.
    /// </summary>
    internal Span<byte> Finish(int length, ReadOnlySpan<int> arrayStarts, EntryCounts counts)
    {
        if (row.Length < length)
        {
            row = new byte[Math.Max(length, row.Length + (row.Length / 4))];
        }

        Length = length;
        Counts = counts;
        for (var kind = 0; kind < entries.Length; kind++)
        {
            var bounds = entries[kind];
            for (var i = 0; i < bounds.Count; i += 2)
            {
                bounds[i] += arrayStarts[kind];
            }
        }

        return row.AsSpan(0, length);
    }

    private static List<int>[] NewEntries()
    {
        var lists = new List<int>[ReportFormat.ArrayNames.Count];
        for (var i = 0; i < lists.Length; i++)
        {
            lists[i] = [];
        }

        return lists;
    }

    /// <summary>
    /// The rows a run reuses (a run's own, dropped with it). A conflict-heavy batch's row is megabytes: a fresh one per
    /// batch is a large object each time, and their garbage collections (with the array pools' trimming after each)
    /// cost more than encoding. A few spare rows cover the batches in flight between the writers and the report.
    /// </summary>
    internal sealed class Pool
    {
        private const int Spares = 3;
        private readonly ConcurrentQueue<EncodedFindings> spare = new();

        public EncodedFindings Rent()
        {
            var rows = spare.TryDequeue(out var reused) ? reused : new EncodedFindings();
            rows.owner = this;
            return rows;
        }

        internal void Return(EncodedFindings rows)
        {
            if (spare.Count < Spares)
            {
                spare.Enqueue(rows);
            }
        }
    }
}

/// <summary>What an <see cref="EntryEncoder"/> counted: the report's counts of findings and errors.</summary>
internal readonly record struct EntryCounts(long Conflicts, long UnmappedEntries, long UnmappedKeys, long InvalidValues, long Errors);
