using System.Text;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Reporting;

/// <summary>
/// Streams a run's findings to disk as they come (one spill file per kind, so a million findings never sit in
/// memory), then composes the report (header and counts first, then the four arrays) into a temp file and renames it
/// into place: readers never see half a report. Files are created readable by their owner only (they hold personal
/// data); the spill files are nameless scratch files (<see cref="PrivateFile.CreateScratch"/>), so even a killed
/// process leaves none behind. Not thread-safe: one caller adds findings.
/// </summary>
public sealed class ReportWriter : IDisposable
{
    /// <summary>A value nested deeper than this (the merge parses blobs with the same limit) is kept as a JSON string.</summary>
    internal const int ValueMaxDepth = EntryEncoder.ValueMaxDepth;

    private const int ProbeBytes = 64 * 1024;
    private const int SpillCount = 4;

    private readonly FileStream?[] spills = new FileStream?[SpillCount];
    private readonly bool[] spillHasEntries = new bool[SpillCount];
    private readonly EntryEncoder encoder;
    private readonly bool defaultName;
    private bool completed;
    private bool disposed;

    private ReportWriter(string path, bool defaultName, bool redact)
    {
        Path = path;
        this.defaultName = defaultName;
        encoder = new EntryEncoder(redact, AddEntry);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var stem = "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8];
        try
        {
            for (var i = 0; i < SpillCount; i++)
            {
                spills[i] = PrivateFile.CreateScratch(System.IO.Path.Combine(directory, $"{stem}.{i}.part"));
            }

            // Creating empty files succeeds on a full disk: write (to the disk, not a cache) a little too, so a full
            // location is refused before the run touches the database.
            var probe = spills[0]!;
            probe.Write(new byte[ProbeBytes]);
            probe.Flush(flushToDisk: true);
            probe.SetLength(0);
            probe.Position = 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CloseSpills();
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                $"Cannot write the report in '{directory}': {e.Message.TrimEnd().TrimEnd('.')}. Pick a folder you can write to, with free space, with -ReportPath.", e, directory);
        }
    }

    /// <summary>Where the report will be when <see cref="Complete"/> has run (Complete may move it on to a free name).</summary>
    public string Path { get; private set; }

    public long Conflicts => encoder.Conflicts;

    /// <summary>(user, context) blobs with unmapped keys: the report's <c>unmappedFields</c> entries.</summary>
    public long UnmappedEntries => encoder.UnmappedEntries;

    public long UnmappedKeys => encoder.UnmappedKeys;
    public long InvalidValues => encoder.InvalidValues;
    public long Errors => encoder.Errors;

    /// <summary>
    /// Resolves the report's path and proves it writable (the spill files are created there) before the caller
    /// writes anything to the database. Null → ./migration-report-YYYY-MM-DD.json (the UTC date of
    /// <paramref name="runStart"/>); a folder → that name inside it; the default name gets -2, -3, … rather than
    /// overwrite; an explicit file that exists is refused.
    /// </summary>
    public static ReportWriter Create(string? requestedPath, DateTimeOffset runStart, bool redactValues = false)
    {
        var (path, defaultName) = ReportPaths.Resolve(requestedPath, runStart);
        return new ReportWriter(path, defaultName, redactValues);
    }

    /// <summary>Streams one finding to its spill file (a blob's unmapped keys become one entry).</summary>
    public void Add(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        EnsureOpen();
        encoder.Add(finding);
    }

    public void AddError(RunError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        EnsureOpen();
        encoder.AddError(error);
    }

    /// <summary>The run's users and rows as counted by the caller, with the findings as this writer counted them.</summary>
    public ReportCounts WithFindings(ReportCounts users) => users with
    {
        Conflicts = Conflicts,
        UnmappedFields = UnmappedEntries,
        UnmappedKeys = UnmappedKeys,
        InvalidValues = InvalidValues,
        Errors = Errors,
    };

    /// <summary>A batch's findings, then its errors: the order every pass over the users reports them in.</summary>
    public void AddAll(IReadOnlyList<Finding> findings, IReadOnlyList<RunError> errors)
    {
        foreach (var finding in findings)
        {
            Add(finding);
        }

        foreach (var error in errors)
        {
            AddError(error);
        }
    }

    /// <summary>
    /// A batch's findings, then its errors, taken as the findings journal encoded them when it did (with the same
    /// redaction: each entry is then encoded once, for the journal and the report, byte for byte the same), else
    /// encoded here.
    /// </summary>
    internal void AddBatch(IReadOnlyList<Finding> findings, IReadOnlyList<RunError> errors, EncodedFindings? encoded)
    {
        if (encoded is null || encoded.Redacted != encoder.Redact)
        {
            AddAll(findings, errors);
            return;
        }

        EnsureOpen();
        encoder.Flush(); // a blob's unmapped keys the encoder still holds are written before the batch's entries
        foreach (var kind in Enum.GetValues<ReportEntryKind>())
        {
            foreach (var entry in encoded.EntriesOf(kind))
            {
                AddEntry(kind, entry.Span);
            }
        }

        encoder.AddCounts(encoded.Counts);
    }

    /// <summary>
    /// Writes the report (header, counts, then the four arrays streamed from the spill files) to a temp file in the
    /// same folder, flushes it to disk and renames it into place without overwriting; returns the final path. If the
    /// name was taken meanwhile (another run in the same folder), the next free -N name is used: the report is never
    /// lost and nothing is overwritten.
    /// </summary>
    public string Complete(ReportRunInfo run, ReportCounts counts)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(counts);
        EnsureOpen();
        encoder.Flush();
        var temp = Path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            WriteReport(temp, run, counts);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PrivateFile.TryDelete(temp);
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"Writing the report '{Path}' failed: {e.Message} The database work is done; the run history in the module's schema has the counts.", e, Path);
        }

        try
        {
            Path = ReportPaths.MoveIntoPlace(temp, Path, defaultName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The report is whole in the temp file: keep it rather than lose the findings.
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"The report was written to '{temp}' but could not be renamed to '{Path}': {e.Message} Rename it by hand; it is a complete report.", e, temp);
        }

        completed = true;
        CloseSpills();
        return Path;
    }

    /// <summary>Removes the spill files; without <see cref="Complete"/>, no report is left behind.</summary>
    public void Dispose()
    {
        disposed = true;
        CloseSpills();
    }

    /// <summary>Appends one entry, already in the report's entry format (from the encoder, or from the findings journal).</summary>
    internal void AddEntry(ReportEntryKind kind, ReadOnlySpan<byte> entry)
    {
        var index = (int)kind;
        var spill = spills[index]!;
        try
        {
            spill.Write(spillHasEntries[index] ? ",\n"u8 : "\n"u8);
            spill.Write(entry);
        }
        catch (IOException e)
        {
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"Writing the report's findings next to '{Path}' failed: {e.Message} Free some space there or pick another -ReportPath, and run again (migrated users are skipped).", e, Path);
        }

        spillHasEntries[index] = true;
    }

    /// <summary>Header and counts first, then the four arrays copied from the spill files, one finding a line.</summary>
    private void WriteReport(string temp, ReportRunInfo run, ReportCounts counts)
    {
        using var output = PrivateFile.Create(temp);
        using (var header = new Utf8JsonWriter(output, JsonValues.WriterOptions))
        {
            header.WriteStartObject();
            header.WriteNumber(ReportFormat.SchemaVersionName, ReportFormat.SchemaVersion);
            header.WriteString(ReportFormat.KindName, ReportFormat.Kind);
            ReportHeaderWriter.WriteRun(header, run);
            ReportHeaderWriter.WriteCounts(header, counts);
            header.Flush();
        }

        // One finding a line: the file stays greppable, and a reader streams it entry by entry.
        for (var i = 0; i < SpillCount; i++)
        {
            output.Write(i == 0 ? ",\n\""u8 : "],\n\""u8);
            output.Write(Encoding.UTF8.GetBytes(ReportFormat.ArrayNames[i]));
            output.Write("\":["u8);
            var spill = spills[i]!;
            spill.Flush();
            spill.Position = 0;
            spill.CopyTo(output, 1 << 16);
            if (spillHasEntries[i])
            {
                output.Write("\n"u8);
            }
        }

        output.Write("]\n}\n"u8);
        output.Flush(flushToDisk: true);
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (completed)
        {
            throw new InvalidOperationException("The report is complete; nothing more can be added to it.");
        }
    }

    /// <summary>Closing a scratch file is what removes it (it has no name left, or is deleted on close).</summary>
    private void CloseSpills()
    {
        for (var i = 0; i < SpillCount; i++)
        {
            try
            {
                spills[i]?.Dispose();
            }
            catch (IOException)
            {
                // The final flush failed (a full disk): the handle is closed all the same, and the file with it.
            }

            spills[i] = null;
        }
    }
}
