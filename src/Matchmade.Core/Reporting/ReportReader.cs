using System.Buffers;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;

namespace Matchmade.Core.Reporting;

public enum ReportEntryKind
{
    Conflict,
    UnmappedField,
    InvalidValue,
    Error,
}

/// <summary>The head of a report: what ran and its counts (read without reading the findings).</summary>
public sealed record ReportHeader(int SchemaVersion, string Path, JsonElement Run, JsonElement Counts)
{
    public string RunString(string name) => Run.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    public long Count(string name) => Counts.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
}

/// <summary>
/// One finding of a report. Values are JSON text exactly as stored. An unmapped blob's keys come as one entry each.
/// </summary>
public sealed record ReportEntry(
    ReportEntryKind Kind,
    string? UserId,
    string? ContextType,
    string? Field,
    string? Value,
    IReadOnlyList<(string ContextType, string Value)> Candidates,
    string? Chosen,
    string? Reason,
    string? ErrorId);

/// <summary>
/// Reads reports written by <see cref="ReportWriter"/> as a stream: the file is never loaded whole, so a report with
/// a million findings reads in constant memory. A file that is missing, cut short, not JSON, not a Matchmade report,
/// or of a newer schema gives one <see cref="MatchmadeException"/>.
/// </summary>
public static class ReportReader
{
    private static readonly string[] ArrayNames = [ReportFormat.ConflictsName, ReportFormat.UnmappedFieldsName, ReportFormat.InvalidValuesName, ReportFormat.ErrorsName];

    public static ReportHeader ReadHeader(string path)
    {
        using var stream = new StreamingJson(path);
        return ReadHead(stream, path);
    }

    public static IEnumerable<ReportEntry> ReadEntries(string path, IReadOnlyCollection<ReportEntryKind>? kinds = null, string? userId = null)
    {
        using var stream = new StreamingJson(path);
        ReadHead(stream, path);
        while (true)
        {
            var token = stream.Next();
            if (token == JsonTokenType.EndObject)
            {
                break;
            }

            if (token != JsonTokenType.PropertyName)
            {
                throw stream.Corrupt("a property was expected");
            }

            var name = stream.PropertyName!;
            var index = Array.IndexOf(ArrayNames, name);
            if (stream.Next() != JsonTokenType.StartArray)
            {
                if (index >= 0)
                {
                    throw stream.Corrupt($"'{name}' is not an array");
                }

                stream.SkipValue();
                continue;
            }

            var kind = (ReportEntryKind)Math.Max(0, index);
            var wanted = index >= 0 && (kinds is null || kinds.Count == 0 || kinds.Contains(kind));
            while (stream.NextValue() is { } element)
            {
                using (element)
                {
                    if (!wanted)
                    {
                        continue;
                    }

                    var root = element.RootElement;
                    var entryUser = root.TryGetProperty("userId", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
                    if (userId is not null && !string.Equals(entryUser, userId, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    foreach (var entry in ToEntries(kind, root, entryUser))
                    {
                        yield return entry;
                    }
                }
            }
        }

        stream.ExpectEnd();
    }

    private static IEnumerable<ReportEntry> ToEntries(ReportEntryKind kind, JsonElement e, string? userId)
    {
        string? S(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        string? Raw(string name) => e.TryGetProperty(name, out var v) ? v.GetRawText() : null;
        switch (kind)
        {
            case ReportEntryKind.Conflict:
                var candidates = e.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Array
                    ? values.EnumerateArray().Select(c => (c.GetProperty("contextType").GetString() ?? string.Empty, c.GetProperty("value").GetRawText())).ToArray()
                    : [];
                yield return new ReportEntry(kind, userId, null, S("field"), null, candidates, Raw("chosen"), null, null);
                break;
            case ReportEntryKind.UnmappedField:
                if (e.TryGetProperty("unmappedFields", out var fields) && fields.ValueKind == JsonValueKind.Object)
                {
                    foreach (var field in fields.EnumerateObject())
                    {
                        yield return new ReportEntry(kind, userId, S("contextType"), field.Name, field.Value.GetRawText(), [], null, null, null);
                    }
                }

                break;
            case ReportEntryKind.InvalidValue:
                yield return new ReportEntry(kind, userId, S("contextType"), S("field"), Raw("value"), [], null, S("reason"), null);
                break;
            default:
                yield return new ReportEntry(kind, userId, null, null, null, [], null, S("reason"), S("errorId"));
                break;
        }
    }

    private static ReportHeader ReadHead(StreamingJson stream, string path)
    {
        if (stream.Next() != JsonTokenType.StartObject)
        {
            throw NotRecognized(path, "it is not a JSON object");
        }

        int? version = null;
        string? kind = null;
        JsonDocument? run = null, counts = null;
        while (version is null || kind is null || run is null || counts is null)
        {
            if (stream.Next() != JsonTokenType.PropertyName)
            {
                throw NotRecognized(path, "it lacks schemaVersion, kind, run or counts");
            }

            var name = stream.PropertyName;
            if (name is ReportFormat.RunName or ReportFormat.CountsName)
            {
                var value = stream.NextValue() ?? throw NotRecognized(path, $"'{name}' is empty");
                if (name == ReportFormat.RunName)
                {
                    run = value;
                }
                else
                {
                    counts = value;
                }

                continue;
            }

            stream.Next();
            switch (name)
            {
                case ReportFormat.SchemaVersionName:
                    version = stream.TryGetInt32(out var v) ? v : throw NotRecognized(path, "schemaVersion is not a number");
                    break;
                case ReportFormat.KindName:
                    kind = stream.StringValue ?? string.Empty;
                    if (kind != ReportFormat.Kind)
                    {
                        throw NotRecognized(path, $"its kind is '{kind}'");
                    }

                    break;
                default:
                    if (kind is null || version is null)
                    {
                        throw NotRecognized(path, $"it starts with '{name}'");
                    }

                    stream.SkipValue();
                    break;
            }
        }

        if (version > ReportFormat.SchemaVersion)
        {
            throw new MatchmadeException("ReportSchemaUnsupported", FailureKind.InvalidData,
                $"'{path}' is a report of schemaVersion {version}; this module reads up to {ReportFormat.SchemaVersion}. Update the Matchmade module to read it.", target: path);
        }

        using (run)
        using (counts)
        {
            return new ReportHeader(version.Value, path, run.RootElement.Clone(), counts.RootElement.Clone());
        }
    }

    private static MatchmadeException NotRecognized(string path, string why) => new("ReportNotRecognized", FailureKind.InvalidData,
        $"'{path}' is not a Matchmade migration report ({why}). Pass a migration-report-*.json file written by Invoke-ProfileMigration.", target: path);

    /// <summary>A forward-only JSON token stream over a file, refilling its buffer as it goes.</summary>
    private sealed class StreamingJson : IDisposable
    {
        private readonly string path;
        private readonly FileStream file;
        private byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        private int start, end;
        private bool finalBlock;
        private JsonReaderState state = new(new JsonReaderOptions { MaxDepth = JsonValues.MaxDepth });
        private JsonTokenType token;
        private string? propertyName;
        private string? stringValue;
        private long? numberValue;

        public StreamingJson(string path)
        {
            this.path = path;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new MatchmadeException("ReportNotFound", FailureKind.ObjectNotFound, $"No report at '{path}'. Check the path, or run Invoke-ProfileMigration (every run writes one).", e, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new MatchmadeException("ReportNotReadable", FailureKind.ReadError, $"Cannot read the report '{path}': {e.Message}", e, path);
            }

            // A report is written whole and renamed into place; one that does not end its root object was cut short.
            if (file.Length == 0 || !EndsWithBrace())
            {
                file.Dispose();
                throw Corrupt("the file is empty or cut short");
            }

            file.Position = 0;
        }

        public string? PropertyName => propertyName;

        public string? StringValue => stringValue;

        public bool TryGetInt32(out int value)
        {
            value = (int)(numberValue ?? 0);
            return numberValue is not null;
        }

        public JsonTokenType Next()
        {
            while (true)
            {
                var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
                bool read;
                try
                {
                    read = reader.Read();
                }
                catch (JsonException e)
                {
                    throw Corrupt(e.Message);
                }

                if (read)
                {
                    token = reader.TokenType;
                    propertyName = token == JsonTokenType.PropertyName ? reader.GetString() : null;
                    stringValue = token == JsonTokenType.String ? reader.GetString() : null;
                    numberValue = token == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : null;
                    start += (int)reader.BytesConsumed;
                    state = reader.CurrentState;
                    return token;
                }

                if (finalBlock)
                {
                    throw Corrupt("the file ends in the middle of the report");
                }

                Refill();
            }
        }

        /// <summary>The next value (an array element or a property's value) as a document, or null at the container's end.</summary>
        public JsonDocument? NextValue()
        {
            while (true)
            {
                var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
                try
                {
                    if (reader.Read())
                    {
                        if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                        {
                            start += (int)reader.BytesConsumed;
                            state = reader.CurrentState;
                            return null;
                        }

                        var probe = reader;
                        if (probe.TrySkip())
                        {
                            var document = JsonDocument.ParseValue(ref reader);
                            start += (int)reader.BytesConsumed;
                            state = reader.CurrentState;
                            return document;
                        }
                    }
                }
                catch (JsonException e)
                {
                    throw Corrupt(e.Message);
                }

                if (finalBlock)
                {
                    throw Corrupt("the file ends in the middle of a finding");
                }

                Refill();
            }
        }

        public void SkipValue()
        {
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                var depth = 1;
                while (depth > 0)
                {
                    var t = Next();
                    depth += t is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : t is JsonTokenType.EndObject or JsonTokenType.EndArray ? -1 : 0;
                }
            }
        }

        /// <summary>Nothing but white space may follow the root object.</summary>
        public void ExpectEnd()
        {
            while (!finalBlock)
            {
                Refill();
            }

            if (buffer.AsSpan(start, end - start).Trim(" \t\r\n"u8).Length > 0)
            {
                throw Corrupt("there is text after the report");
            }
        }

        public MatchmadeException Corrupt(string why) => new("ReportCorrupt", FailureKind.InvalidData,
            $"The report '{path}' is damaged ({why}). Reports are written whole, so this file was cut short or edited; use another copy, or read the run's counts with Get-MigrationReport -ConnectionString … -RunId.", target: path);

        public void Dispose()
        {
            file.Dispose();
            ArrayPool<byte>.Shared.Return(buffer);
        }

        private bool EndsWithBrace()
        {
            var tail = new byte[Math.Min(64, (int)file.Length)];
            file.Position = file.Length - tail.Length;
            file.ReadExactly(tail);
            for (var i = tail.Length - 1; i >= 0; i--)
            {
                if (tail[i] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                {
                    continue;
                }

                return tail[i] == (byte)'}';
            }

            return false;
        }

        private void Refill()
        {
            var remaining = end - start;
            if (start == 0 && end == buffer.Length)
            {
                // One value larger than the buffer (a 10 MB string): grow.
                var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                Buffer.BlockCopy(buffer, 0, bigger, 0, end);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }
            else if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, remaining);
                start = 0;
                end = remaining;
            }

            var read = file.Read(buffer, end, buffer.Length - end);
            end += read;
            finalBlock = read == 0;
        }
    }
}
