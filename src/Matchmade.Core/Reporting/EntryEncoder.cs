using System.Buffers;
using System.Text;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using F = Matchmade.Core.Reporting.ReportFormat.EntryFields;

namespace Matchmade.Core.Reporting;

/// <summary>
/// Turns findings and errors into report entries (the JSON objects of the report's four arrays, docs/report-schema.md)
/// and counts them. The report's spill files and the findings journal both take their entries from here, so an entry
/// reads the same wherever it was kept. Unmapped keys of one (user, context) blob become one entry: they come together
/// from the merge (other kinds of findings in between do not split the blob's entry); <see cref="Flush"/> ends the last.
/// Not thread-safe.
/// </summary>
internal sealed class EntryEncoder(bool redact, EntryEncoder.Sink sink)
{
    /// <summary>Takes one whole entry (its bytes are valid only during the call).</summary>
    public delegate void Sink(ReportEntryKind kind, ReadOnlySpan<byte> entry);

    /// <summary>A value nested deeper than this (the merge parses blobs with the same limit) is kept as a JSON string.</summary>
    internal const int ValueMaxDepth = JsonValues.MaxDepth;

    /// <summary>Scratch buffers larger than this are dropped after use, so one huge value does not stay in memory.</summary>
    private const int KeepBufferBytes = 1 << 20;

    private static readonly JsonReaderOptions ValidationOptions = new() { MaxDepth = ValueMaxDepth };

    private readonly List<UnmappedField> pendingGroup = [];
    private ArrayBufferWriter<byte> entry = new(4096);
    private Utf8JsonWriter? writer;
    private byte[] utf8 = new byte[4096];

    /// <summary>Whether values are written as the redaction marker.</summary>
    public bool Redact => redact;

    public long Conflicts { get; private set; }

    /// <summary>(user, context) blobs with unmapped keys: the report's <c>unmappedFields</c> entries.</summary>
    public long UnmappedEntries { get; private set; }

    public long UnmappedKeys { get; private set; }
    public long InvalidValues { get; private set; }
    public long Errors { get; private set; }

    public EntryCounts Counts => new(Conflicts, UnmappedEntries, UnmappedKeys, InvalidValues, Errors);

    /// <summary>Counts entries another encoder encoded (a batch's, taken as its findings journal row has them).</summary>
    public void AddCounts(EntryCounts counts)
    {
        Conflicts += counts.Conflicts;
        UnmappedEntries += counts.UnmappedEntries;
        UnmappedKeys += counts.UnmappedKeys;
        InvalidValues += counts.InvalidValues;
        Errors += counts.Errors;
    }

    public void Add(Finding finding)
    {
        switch (finding)
        {
            case UnmappedField unmapped:
                if (pendingGroup.Count > 0 && (pendingGroup[0].UserId != unmapped.UserId || pendingGroup[0].ContextType != unmapped.ContextType))
                {
                    Flush();
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
                WriteConflict(Begin(), conflict);
                End(ReportEntryKind.Conflict);
                break;
            case InvalidValue invalid:
                InvalidValues++;
                var w = Begin();
                w.WriteString(F.UserId, invalid.UserId);
                w.WriteString(F.ContextType, ContextTypes.ToDbName(invalid.ContextType));
                WriteNullable(w, F.Field, invalid.Field);
                w.WritePropertyName(F.Value);
                WriteValue(w, invalid.Value);
                w.WriteString(F.Reason, invalid.Reason);
                End(ReportEntryKind.InvalidValue);
                break;
            default:
                throw new ArgumentException($"Unknown finding type {finding.GetType().Name}.", nameof(finding));
        }
    }

    public void AddError(RunError error)
    {
        Errors++;
        var w = Begin();
        WriteNullable(w, F.UserId, error.UserId);
        w.WriteString(F.ErrorId, error.ErrorId);
        w.WriteString(F.Reason, Secrets.Scrub(error.Reason));
        End(ReportEntryKind.Error);
    }

    /// <summary>Writes the pending blob's unmapped keys as their entry.</summary>
    public void Flush()
    {
        if (pendingGroup.Count == 0)
        {
            return;
        }

        var w = Begin();
        w.WriteString(Encoded.UserId, pendingGroup[0].UserId);
        w.WriteString(Encoded.ContextType, Encoded.ContextTypeName(pendingGroup[0].ContextType));
        w.WriteStartObject(Encoded.UnmappedFields);
        foreach (var field in pendingGroup)
        {
            w.WritePropertyName(field.Key);
            if (!TryWriteUtf8(w, field.Utf8Json))
            {
                WriteValue(w, field.Value);
            }
        }

        w.WriteEndObject();
        End(ReportEntryKind.UnmappedField);
        pendingGroup.Clear();
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

    internal static void WriteNullable(Utf8JsonWriter w, string name, string? value)
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

    private void WriteConflict(Utf8JsonWriter w, Conflict conflict)
    {
        w.WriteString(Encoded.UserId, conflict.UserId);
        w.WriteString(Encoded.Field, conflict.Field);
        w.WriteStartArray(Encoded.Values);
        foreach (var candidate in conflict.Candidates)
        {
            w.WriteStartObject();
            w.WriteString(Encoded.ContextType, Encoded.ContextTypeName(candidate.ContextType));
            w.WritePropertyName(Encoded.Value);
            if (!TryWriteUtf8(w, candidate.Utf8Json))
            {
                WriteValue(w, candidate.Value);
            }
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WritePropertyName(Encoded.Chosen);
        if (!TryWriteUtf8(w, conflict.ChosenCandidate?.Utf8Json))
        {
            WriteValue(w, conflict.Chosen);
        }
    }

    /// <summary>
    /// The names and context types of the entries written most (conflicts, unmapped keys) encoded once, not per entry
    /// (ASCII letters: the same bytes with any of the writer's encoders).
    /// </summary>
    private static class Encoded
    {
        public static readonly JsonEncodedText UserId = JsonEncodedText.Encode(F.UserId);
        public static readonly JsonEncodedText ContextType = JsonEncodedText.Encode(F.ContextType);
        public static readonly JsonEncodedText Field = JsonEncodedText.Encode(F.Field);
        public static readonly JsonEncodedText Values = JsonEncodedText.Encode(F.Values);
        public static readonly JsonEncodedText Value = JsonEncodedText.Encode(F.Value);
        public static readonly JsonEncodedText Chosen = JsonEncodedText.Encode(F.Chosen);
        public static readonly JsonEncodedText UnmappedFields = JsonEncodedText.Encode(F.UnmappedFields);
        private static readonly JsonEncodedText[] ContextTypeNames = [.. ContextTypes.All.Select(t => JsonEncodedText.Encode(ContextTypes.ToDbName(t)))];

        public static JsonEncodedText ContextTypeName(Merge.ContextType type) => ContextTypeNames[(int)type];
    }

    /// <summary>Starts an entry: its object opened on the one writer this encoder reuses (a writer per entry cost as much as the entry).</summary>
    private Utf8JsonWriter Begin()
    {
        entry.ResetWrittenCount();
        if (writer is null)
        {
            writer = new Utf8JsonWriter(entry, JsonValues.WriterOptions);
        }
        else
        {
            writer.Reset(entry);
        }

        writer.WriteStartObject();
        return writer;
    }

    /// <summary>Closes the entry <see cref="Begin"/> started and hands it to the sink.</summary>
    private void End(ReportEntryKind kind)
    {
        writer!.WriteEndObject();
        writer.Flush();
        sink(kind, entry.WrittenSpan);
        if (entry.Capacity > KeepBufferBytes)
        {
            entry = new ArrayBufferWriter<byte>(4096);
            writer.Reset(entry);
        }
    }

    /// <summary>
    /// A value of the merge's (its UTF-8 bytes from the parsed blob: one valid JSON value, the same bytes
    /// <see cref="WriteValue"/> writes for its text) as it is, or the redaction marker; false when there are no such
    /// bytes (a value given as text).
    /// </summary>
    private bool TryWriteUtf8(Utf8JsonWriter writer, byte[]? utf8Json)
    {
        if (redact)
        {
            writer.WriteStringValue(ReportFormat.RedactedValue);
            return true;
        }

        if (utf8Json is null)
        {
            return false;
        }

        writer.WriteRawValue(utf8Json, skipInputValidation: true);
        return true;
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
}
