using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Reporting;

/// <summary>
/// Streams a run's findings to disk as they come (one spill file per kind, so a million findings never sit in
/// memory), then composes the report (header and counts first, then the four arrays) into a temp file and renames it
/// into place: readers never see half a report. Files are created readable by their owner only (they hold personal data).
/// </summary>
public sealed class ReportWriter : IDisposable
{
    private const int SpillCount = 4;
    private const int SpillConflicts = 0, SpillUnmapped = 1, SpillInvalid = 2, SpillErrors = 3;
    private static readonly string[] ArrayNames = [ReportFormat.ConflictsName, ReportFormat.UnmappedFieldsName, ReportFormat.InvalidValuesName, ReportFormat.ErrorsName];

    private readonly FileStream[] spills = new FileStream[SpillCount];
    private readonly string[] spillPaths = new string[SpillCount];
    private readonly bool[] spillHasEntries = new bool[SpillCount];
    private readonly ArrayBufferWriter<byte> buffer = new(4096);
    private readonly bool redact;
    private UnmappedField? pendingUnmapped;
    private readonly List<UnmappedField> pendingGroup = [];

    private ReportWriter(string path, bool redact)
    {
        Path = path;
        this.redact = redact;
        var directory = System.IO.Path.GetDirectoryName(path)!;
        var stem = "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8];
        try
        {
            for (var i = 0; i < SpillCount; i++)
            {
                spillPaths[i] = System.IO.Path.Combine(directory, $"{stem}.{i}.part");
                spills[i] = PrivateFile.Create(spillPaths[i]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteSpills();
            throw new MatchmadeException("ReportPathNotWritable", FailureKind.WriteError,
                $"Cannot write the report in '{directory}': {e.Message}. Pick a writable folder with -ReportPath.", e, directory);
        }
    }

    /// <summary>Where the report will be when <see cref="Complete"/> has run.</summary>
    public string Path { get; }

    public long Conflicts { get; private set; }
    public long UnmappedEntries { get; private set; }
    public long UnmappedKeys { get; private set; }
    public long InvalidValues { get; private set; }
    public long Errors { get; private set; }


    /// <summary>
    /// Resolves the report's path and proves it writable (the spill files are created there) before the caller
    /// writes anything to the database. Null → ./migration-report-YYYY-MM-DD.json; a folder → that name inside it;
    /// the default name gets -2, -3, … rather than overwrite; an explicit file that exists is refused.
    /// </summary>
    public static ReportWriter Create(string? requestedPath, DateTimeOffset runStart, bool redactValues = false)
    {
        var stem = ReportFormat.FilePrefix + runStart.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string path;
        if (string.IsNullOrWhiteSpace(requestedPath) || Directory.Exists(requestedPath) || requestedPath.EndsWith(System.IO.Path.DirectorySeparatorChar) || requestedPath.EndsWith(System.IO.Path.AltDirectorySeparatorChar))
        {
            var directory = System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(requestedPath) ? "." : requestedPath);
            if (!Directory.Exists(directory))
            {
                throw new MatchmadeException("ReportPathNotWritable", FailureKind.WriteError, $"The report folder '{directory}' does not exist. Create it or pick another -ReportPath.", target: directory);
            }

            path = System.IO.Path.Combine(directory, stem + ".json");
            for (var n = 2; File.Exists(path); n++)
            {
                path = System.IO.Path.Combine(directory, $"{stem}-{n}.json");
            }
        }
        else
        {
            path = System.IO.Path.GetFullPath(requestedPath);
            if (File.Exists(path))
            {
                throw new MatchmadeException("ReportExists", FailureKind.InvalidArgument,
                    $"The report file '{path}' exists already and is never overwritten. Pick another -ReportPath (or a folder, where a new name is chosen), or move the old report away.", target: path);
            }

            if (!Directory.Exists(System.IO.Path.GetDirectoryName(path)))
            {
                throw new MatchmadeException("ReportPathNotWritable", FailureKind.WriteError, $"The folder of the report file '{path}' does not exist. Create it or pick another -ReportPath.", target: path);
            }
        }

        return new ReportWriter(path, redactValues);
    }

    public void Add(Finding finding)
    {
        if (finding is UnmappedField unmapped)
        {
            if (pendingUnmapped is not null && (pendingUnmapped.UserId != unmapped.UserId || pendingUnmapped.ContextType != unmapped.ContextType))
            {
                FlushUnmapped();
            }

            if (pendingUnmapped is null)
            {
                UnmappedEntries++; // counted when the group starts, so the count is right before the group is written
            }

            pendingUnmapped = unmapped;
            pendingGroup.Add(unmapped);
            UnmappedKeys++;
            return;
        }

        FlushUnmapped();
        switch (finding)
        {
            case Conflict conflict:
                Conflicts++;
                Write(SpillConflicts, w =>
                {
                    w.WriteString("userId", conflict.UserId);
                    w.WriteString("field", conflict.Field);
                    w.WriteStartArray("values");
                    foreach (var candidate in conflict.Candidates)
                    {
                        w.WriteStartObject();
                        w.WriteString("contextType", ContextTypes.ToDbName(candidate.ContextType));
                        w.WritePropertyName("value");
                        Value(w, candidate.Value);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WritePropertyName("chosen");
                    Value(w, conflict.Chosen);
                });
                break;
            case InvalidValue invalid:
                InvalidValues++;
                Write(SpillInvalid, w =>
                {
                    w.WriteString("userId", invalid.UserId);
                    w.WriteString("contextType", ContextTypes.ToDbName(invalid.ContextType));
                    WriteStringOrNull(w, "field", invalid.Field);

                    w.WritePropertyName("value");
                    Value(w, invalid.Value);
                    w.WriteString("reason", invalid.Reason);
                });
                break;
        }
    }

    public void AddError(RunError error)
    {
        FlushUnmapped();
        Errors++;
        Write(SpillErrors, w =>
        {
            WriteStringOrNull(w, "userId", error.UserId);

            w.WriteString("errorId", error.ErrorId);
            w.WriteString("reason", Secrets.Scrub(error.Reason));
        });
    }

    /// <summary>Writes the report and renames it into place; returns its path.</summary>
    public string Complete(ReportRunInfo run, ReportCounts counts)
    {
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

                for (var i = 0; i < SpillCount; i++)
                {
                    output.Write(i == 0 ? ",\""u8 : "],\""u8);
                    output.Write(System.Text.Encoding.UTF8.GetBytes(ArrayNames[i]));
                    output.Write("\":["u8);
                    spills[i].Flush();
                    spills[i].Position = 0;
                    spills[i].CopyTo(output, 1 << 16);
                }

                output.Write("]}\n"u8);
                output.Flush(flushToDisk: true);
            }

            File.Move(temp, Path, overwrite: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            PrivateFile.TryDelete(temp);
            throw new MatchmadeException("ReportWriteFailed", FailureKind.WriteError, $"Writing the report '{Path}' failed: {e.Message}. The database work is done; its run history in the module's schema has the counts.", e, Path);
        }

        DeleteSpills();
        return Path;
    }

    /// <summary>Removes the spill files; without <see cref="Complete"/>, no report is left behind.</summary>
    public void Dispose() => DeleteSpills();

    private void FlushUnmapped()
    {
        if (pendingUnmapped is null)
        {
            return;
        }

        var group = pendingGroup;
        Write(SpillUnmapped, w =>
        {
            w.WriteString("userId", group[0].UserId);
            w.WriteString("contextType", ContextTypes.ToDbName(group[0].ContextType));
            w.WriteStartObject("unmappedFields");
            foreach (var field in group)
            {
                w.WritePropertyName(field.Key);
                Value(w, field.Value);
            }

            w.WriteEndObject();
        });
        pendingGroup.Clear();
        pendingUnmapped = null;
    }

    private void Write(int kind, Action<Utf8JsonWriter> body)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, JsonValues.WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        if (spillHasEntries[kind])
        {
            spills[kind].WriteByte((byte)',');
        }

        spills[kind].Write(buffer.WrittenSpan);
        spillHasEntries[kind] = true;
    }

    /// <summary>A value exactly as stored (its JSON text), or the redaction marker.</summary>
    private void Value(Utf8JsonWriter writer, string json)
    {
        if (redact)
        {
            writer.WriteStringValue(ReportFormat.RedactedValue);
        }
        else
        {
            writer.WriteRawValue(json, skipInputValidation: true);
        }
    }

    private static void WriteRun(Utf8JsonWriter w, ReportRunInfo run)
    {
        w.WriteStartObject(ReportFormat.RunName);
        w.WriteString("runId", run.RunId);
        w.WriteString("mode", run.Mode);
        w.WriteString("status", run.Status);
        w.WriteString("moduleVersion", run.ModuleVersion);
        w.WriteString("rulesFingerprint", run.RulesFingerprint);
        w.WriteString("startedAt", run.StartedAt);
        if (run.FinishedAt is { } finished)
        {
            w.WriteString("finishedAt", finished);
        }
        else
        {
            w.WriteNull("finishedAt");
        }

        w.WriteString("server", run.Server);
        w.WriteString("database", run.Database);
        w.WriteString("schema", run.Schema);
        w.WriteString("userName", run.UserName);
        w.WriteStartObject("parameters");
        foreach (var (name, value) in run.Parameters)
        {
            WriteStringOrNull(w, name, value);
        }

        w.WriteEndObject();
        WriteStringOrNull(w, "message", run.Message is null ? null : Secrets.Scrub(run.Message));

        w.WriteEndObject();
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
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

    private static void WriteCounts(Utf8JsonWriter w, ReportCounts c)
    {
        w.WriteStartObject(ReportFormat.CountsName);
        w.WriteNumber("usersTotal", c.UsersTotal);
        w.WriteNumber("usersMigrated", c.UsersMigrated);
        w.WriteNumber("usersSkipped", c.UsersSkipped);
        w.WriteNumber("usersFailed", c.UsersFailed);
        w.WriteNumber("profilesWritten", c.ProfilesWritten);
        w.WriteNumber("contextIntentsWritten", c.ContextIntentsWritten);
        w.WriteNumber("conflicts", c.Conflicts);
        w.WriteNumber("unmappedFields", c.UnmappedFields);
        w.WriteNumber("unmappedKeys", c.UnmappedKeys);
        w.WriteNumber("invalidValues", c.InvalidValues);
        w.WriteNumber("errors", c.Errors);
        w.WriteEndObject();
    }

    private void DeleteSpills()
    {
        for (var i = 0; i < SpillCount; i++)
        {
            spills[i]?.Dispose();
            if (spillPaths[i] is { } path)
            {
                PrivateFile.TryDelete(path);
            }
        }
    }
}
