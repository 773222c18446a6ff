using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using F = Matchmade.Core.Reporting.ReportFormat.EntryFields;

namespace Matchmade.Core.Reporting;

/// <summary>
/// Streams a run's findings to disk as they come (one spill file per kind, so a million findings never sit in
/// memory), then composes the report (header and counts first, then the four arrays) into a temp file and renames it
/// into place: readers never see half a report. Files are created readable by their owner only (they hold personal data).
/// Not thread-safe: one caller adds findings.
/// </summary>
public sealed class ReportWriter : IDisposable
{
    /// <summary>A value nested deeper than this (the merge parses blobs with the same limit) is kept as a JSON string.</summary>
    internal const int ValueMaxDepth = JsonValues.MaxDepth;

    /// <summary>Scratch buffers larger than this are dropped after use, so one huge value does not stay in memory.</summary>
    private const int KeepBufferBytes = 1 << 20;
    private const int ProbeBytes = 64 * 1024;

    private const int SpillCount = 4;
    private const int SpillConflicts = 0, SpillUnmapped = 1, SpillInvalid = 2, SpillErrors = 3;

    private static readonly JsonReaderOptions ValidationOptions = new() { MaxDepth = ValueMaxDepth };

    private readonly FileStream?[] spills = new FileStream?[SpillCount];
    private readonly string?[] spillPaths = new string?[SpillCount];
    private readonly bool[] spillHasEntries = new bool[SpillCount];
    private readonly List<UnmappedField> pendingGroup = [];
    private readonly bool redact;
    private readonly bool defaultName;
    private ArrayBufferWriter<byte> entry = new(4096);
    private byte[] utf8 = new byte[4096];
    private bool completed;
    private bool disposed;

    private ReportWriter(string path, bool defaultName, bool redact)
    {
        Path = path;
        this.defaultName = defaultName;
        this.redact = redact;
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var stem = "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8];
        try
        {
            for (var i = 0; i < SpillCount; i++)
            {
                spillPaths[i] = System.IO.Path.Combine(directory, $"{stem}.{i}.part");
                spills[i] = PrivateFile.Create(spillPaths[i]!);
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
            DeleteSpills();
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                $"Cannot write the report in '{directory}': {e.Message.TrimEnd().TrimEnd('.')}. Pick a folder you can write to, with free space, with -ReportPath.", e, directory);
        }
    }

    /// <summary>Where the report will be when <see cref="Complete"/> has run (Complete may move it on to a free name).</summary>
    public string Path { get; private set; }

    public long Conflicts { get; private set; }

    /// <summary>(user, context) blobs with unmapped keys: the report's <c>unmappedFields</c> entries.</summary>
    public long UnmappedEntries { get; private set; }

    public long UnmappedKeys { get; private set; }
    public long InvalidValues { get; private set; }
    public long Errors { get; private set; }

    /// <summary>
    /// Resolves the report's path and proves it writable (the spill files are created there) before the caller
    /// writes anything to the database. Null → ./migration-report-YYYY-MM-DD.json (the UTC date of
    /// <paramref name="runStart"/>); a folder → that name inside it; the default name gets -2, -3, … rather than
    /// overwrite; an explicit file that exists is refused.
    /// </summary>
    public static ReportWriter Create(string? requestedPath, DateTimeOffset runStart, bool redactValues = false)
    {
        var stem = ReportFormat.FilePrefix + runStart.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (string.IsNullOrWhiteSpace(requestedPath) || Directory.Exists(requestedPath) || EndsWithSeparator(requestedPath))
        {
            var directory = FullPath(string.IsNullOrWhiteSpace(requestedPath) ? "." : requestedPath);
            if (!Directory.Exists(directory))
            {
                throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                    $"The report folder '{directory}' does not exist. Create it, or pick another folder or file with -ReportPath.", target: directory);
            }

            return new ReportWriter(FreeName(System.IO.Path.Combine(directory, stem + ReportFormat.FileExtension)), defaultName: true, redactValues);
        }

        var path = FullPath(requestedPath);
        if (File.Exists(path))
        {
            throw new MatchmadeException(ErrorIds.ReportExists, FailureKind.InvalidArgument,
                $"The report file '{path}' exists already and is never overwritten. Pick another -ReportPath (a folder gets a new dated name), or move or remove the old report.", target: path);
        }

        if (!Directory.Exists(System.IO.Path.GetDirectoryName(path)))
        {
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                $"The folder of the report file '{path}' does not exist. Create it, or pick another -ReportPath.", target: path);
        }

        return new ReportWriter(path, defaultName: false, redactValues);
    }

    /// <summary>
    /// Streams one finding to its spill file. Unmapped keys of one (user, context) blob become one entry; they come
    /// together from the merge (other kinds of findings in between do not split the blob's entry).
    /// </summary>
    public void Add(Finding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        EnsureOpen();
        switch (finding)
        {
            case UnmappedField unmapped:
                if (pendingGroup.Count > 0 && (pendingGroup[0].UserId != unmapped.UserId || pendingGroup[0].ContextType != unmapped.ContextType))
                {
                    FlushUnmapped();
                }

                if (pendingGroup.Count == 0)
                {
                    UnmappedEntries++; // counted when the group starts, so the running count is right before it is written
                }

                pendingGroup.Add(unmapped);
                UnmappedKeys++;
                break;
            case Conflict conflict:
                Conflicts++;
                WriteEntry(SpillConflicts, w =>
                {
                    w.WriteString(F.UserId, conflict.UserId);
                    w.WriteString(F.Field, conflict.Field);
                    w.WriteStartArray(F.Values);
                    foreach (var candidate in conflict.Candidates)
                    {
                        w.WriteStartObject();
                        w.WriteString(F.ContextType, ContextTypes.ToDbName(candidate.ContextType));
                        w.WritePropertyName(F.Value);
                        WriteValue(w, candidate.Value);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WritePropertyName(F.Chosen);
                    WriteValue(w, conflict.Chosen);
                });
                break;
            case InvalidValue invalid:
                InvalidValues++;
                WriteEntry(SpillInvalid, w =>
                {
                    w.WriteString(F.UserId, invalid.UserId);
                    w.WriteString(F.ContextType, ContextTypes.ToDbName(invalid.ContextType));
                    WriteNullable(w, F.Field, invalid.Field);
                    w.WritePropertyName(F.Value);
                    WriteValue(w, invalid.Value);
                    w.WriteString(F.Reason, invalid.Reason);
                });
                break;
            default:
                throw new ArgumentException($"Unknown finding type {finding.GetType().Name}.", nameof(finding));
        }
    }

    public void AddError(RunError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        EnsureOpen();
        Errors++;
        WriteEntry(SpillErrors, w =>
        {
            WriteNullable(w, F.UserId, error.UserId);
            w.WriteString(F.ErrorId, error.ErrorId);
            w.WriteString(F.Reason, Secrets.Scrub(error.Reason));
        });
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
        FlushUnmapped();
        var temp = Path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            using (var output = PrivateFile.Create(temp))
            {
                using (var header = new Utf8JsonWriter(output, JsonValues.WriterOptions))
                {
                    header.WriteStartObject();
                    header.WriteNumber(ReportFormat.SchemaVersionName, ReportFormat.SchemaVersion);
                    header.WriteString(ReportFormat.KindName, ReportFormat.Kind);
                    WriteRun(header, run);
                    WriteCounts(header, counts);
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
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PrivateFile.TryDelete(temp);
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"Writing the report '{Path}' failed: {e.Message} The database work is done; the run history in the module's schema has the counts.", e, Path);
        }

        try
        {
            Path = MoveIntoPlace(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The report is whole in the temp file: keep it rather than lose the findings.
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"The report was written to '{temp}' but could not be renamed to '{Path}': {e.Message} Rename it by hand; it is a complete report.", e, temp);
        }

        completed = true;
        DeleteSpills();
        return Path;
    }

    /// <summary>Removes the spill files; without <see cref="Complete"/>, no report is left behind.</summary>
    public void Dispose()
    {
        disposed = true;
        DeleteSpills();
    }

    private string MoveIntoPlace(string temp)
    {
        var target = Path;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                File.Move(temp, target, overwrite: false);
                return target;
            }
            catch (IOException) when (attempt < 1000 && File.Exists(target))
            {
                target = FreeName(defaultName ? Path : target);
            }
        }
    }

    /// <summary><paramref name="path"/> if free, else the first free name-2.json, name-3.json, ….</summary>
    private static string FreeName(string path)
    {
        if (!File.Exists(path))
        {
            return path;
        }

        var directory = System.IO.Path.GetDirectoryName(path)!;
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var extension = System.IO.Path.GetExtension(path);
        for (var n = 2; ; n++)
        {
            var candidate = System.IO.Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}-{n}{extension}"));
            if (!File.Exists(candidate))
            {
                return candidate;
            }
        }
    }

    private static string FullPath(string path)
    {
        try
        {
            return System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError, $"'{path}' is not a usable report path: {e.Message}", e, path);
        }
    }

    private static bool EndsWithSeparator(string path) =>
        path.EndsWith(System.IO.Path.DirectorySeparatorChar) || path.EndsWith(System.IO.Path.AltDirectorySeparatorChar);

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (completed)
        {
            throw new InvalidOperationException("The report is complete; nothing more can be added to it.");
        }
    }

    private void FlushUnmapped()
    {
        if (pendingGroup.Count == 0)
        {
            return;
        }

        var group = pendingGroup;
        WriteEntry(SpillUnmapped, w =>
        {
            w.WriteString(F.UserId, group[0].UserId);
            w.WriteString(F.ContextType, ContextTypes.ToDbName(group[0].ContextType));
            w.WriteStartObject(F.UnmappedFields);
            foreach (var field in group)
            {
                w.WritePropertyName(field.Key);
                WriteValue(w, field.Value);
            }

            w.WriteEndObject();
        });
        pendingGroup.Clear();
    }

    private void WriteEntry(int kind, Action<Utf8JsonWriter> body)
    {
        entry.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(entry, JsonValues.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        var spill = spills[kind]!;
        try
        {
            spill.Write(spillHasEntries[kind] ? ",\n"u8 : "\n"u8);
            spill.Write(entry.WrittenSpan);
        }
        catch (IOException e)
        {
            throw new MatchmadeException(ErrorIds.ReportWriteFailed, FailureKind.WriteError,
                $"Writing the report's findings next to '{Path}' failed: {e.Message} Free some space there or pick another -ReportPath, and run again (migrated users are skipped).", e, Path);
        }

        spillHasEntries[kind] = true;
        if (entry.Capacity > KeepBufferBytes)
        {
            entry = new ArrayBufferWriter<byte>(4096);
        }
    }

    /// <summary>
    /// A value exactly as stored (its JSON text, written raw: 1e400 stays 1e400), or the redaction marker. Text that is
    /// not one JSON value (or is nested deeper than <see cref="ValueMaxDepth"/>) is kept as a JSON string, so the
    /// report itself always stays valid and nothing is dropped.
    /// </summary>
    private void WriteValue(Utf8JsonWriter writer, string json)
    {
        if (redact)
        {
            writer.WriteStringValue(ReportFormat.RedactedValue);
            return;
        }

        if (Encoding.UTF8.GetMaxByteCount(json.Length) > utf8.Length && Encoding.UTF8.GetByteCount(json) is var needed && needed > utf8.Length)
        {
            utf8 = new byte[needed];
        }

        var bytes = utf8.AsSpan(0, Encoding.UTF8.GetBytes(json, utf8));
        if (IsOneJsonValue(bytes))
        {
            writer.WriteRawValue(bytes, skipInputValidation: true);
        }
        else
        {
            writer.WriteStringValue(json);
        }

        if (utf8.Length > KeepBufferBytes)
        {
            utf8 = new byte[4096];
        }
    }

    /// <summary>True when the text is exactly one JSON value (surrounding white space allowed). Iterative: depth costs no stack.</summary>
    internal static bool IsOneJsonValue(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, ValidationOptions);
        try
        {
            while (reader.Read())
            {
            }

            return reader.BytesConsumed > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteRun(Utf8JsonWriter w, ReportRunInfo run)
    {
        w.WriteStartObject(ReportFormat.RunName);
        w.WriteString(ReportFormat.RunFields.RunId, run.RunId);
        w.WriteString(ReportFormat.RunFields.Mode, run.Mode);
        w.WriteString(ReportFormat.RunFields.Status, run.Status);
        w.WriteString(ReportFormat.RunFields.ModuleVersion, run.ModuleVersion);
        w.WriteString(ReportFormat.RunFields.RulesFingerprint, run.RulesFingerprint);
        w.WriteString(ReportFormat.RunFields.StartedAt, run.StartedAt);
        if (run.FinishedAt is { } finished)
        {
            w.WriteString(ReportFormat.RunFields.FinishedAt, finished);
        }
        else
        {
            w.WriteNull(ReportFormat.RunFields.FinishedAt);
        }

        w.WriteString(ReportFormat.RunFields.Server, Secrets.Scrub(run.Server));
        w.WriteString(ReportFormat.RunFields.Database, run.Database);
        w.WriteString(ReportFormat.RunFields.Schema, run.Schema);
        w.WriteString(ReportFormat.RunFields.UserName, run.UserName);
        w.WriteStartObject(ReportFormat.RunFields.Parameters);
        foreach (var (name, value) in run.Parameters)
        {
            WriteNullable(w, name, value is null ? null : Secrets.Scrub(value));
        }

        w.WriteEndObject();
        WriteNullable(w, ReportFormat.RunFields.Message, run.Message is null ? null : Secrets.Scrub(run.Message));
        w.WriteEndObject();
    }

    private static void WriteCounts(Utf8JsonWriter w, ReportCounts c)
    {
        w.WriteStartObject(ReportFormat.CountsName);
        w.WriteNumber(ReportFormat.CountFields.UsersTotal, c.UsersTotal);
        w.WriteNumber(ReportFormat.CountFields.UsersMigrated, c.UsersMigrated);
        w.WriteNumber(ReportFormat.CountFields.UsersSkipped, c.UsersSkipped);
        w.WriteNumber(ReportFormat.CountFields.UsersFailed, c.UsersFailed);
        w.WriteNumber(ReportFormat.CountFields.ProfilesWritten, c.ProfilesWritten);
        w.WriteNumber(ReportFormat.CountFields.ContextIntentsWritten, c.ContextIntentsWritten);
        w.WriteNumber(ReportFormat.CountFields.Conflicts, c.Conflicts);
        w.WriteNumber(ReportFormat.CountFields.UnmappedFields, c.UnmappedFields);
        w.WriteNumber(ReportFormat.CountFields.UnmappedKeys, c.UnmappedKeys);
        w.WriteNumber(ReportFormat.CountFields.InvalidValues, c.InvalidValues);
        w.WriteNumber(ReportFormat.CountFields.Errors, c.Errors);
        ReportFigures.Write(w, c);
        w.WriteEndObject();
    }

    private void DeleteSpills()
    {
        for (var i = 0; i < SpillCount; i++)
        {
            try
            {
                spills[i]?.Dispose();
            }
            catch (IOException)
            {
                // The final flush failed (a full disk): the handle is closed all the same, and the file goes next.
            }

            spills[i] = null;
            if (spillPaths[i] is { } path)
            {
                PrivateFile.TryDelete(path);
                spillPaths[i] = null;
            }
        }
    }
}
