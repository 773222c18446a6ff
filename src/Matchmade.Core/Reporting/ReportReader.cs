using System.Globalization;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Json;
using F = Matchmade.Core.Reporting.ReportFormat.EntryFields;

namespace Matchmade.Core.Reporting;

/// <summary>The four arrays of a report, in file order.</summary>
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
    public string Kind => ReportFormat.Kind;

    /// <summary>A string of <c>run</c>, or "" when absent or not a string.</summary>
    public string RunString(string name) => Run.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    /// <summary>A number of <c>counts</c>, or 0 when absent.</summary>
    public long Count(string name) => Counts.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;

    /// <summary><c>run</c> as typed values (lenient: what is absent or unreadable gets its default).</summary>
    public ReportRunInfo ToRunInfo()
    {
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (Run.TryGetProperty(ReportFormat.RunFields.Parameters, out var p) && p.ValueKind == JsonValueKind.Object)
        {
            foreach (var parameter in p.EnumerateObject())
            {
                parameters[parameter.Name] = parameter.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => parameter.Value.GetString(),
                    _ => parameter.Value.GetRawText(),
                };
            }
        }

        return new ReportRunInfo
        {
            RunId = Guid.TryParse(RunString(ReportFormat.RunFields.RunId), out var id) ? id : Guid.Empty,
            Mode = RunString(ReportFormat.RunFields.Mode),
            Status = RunString(ReportFormat.RunFields.Status),
            ModuleVersion = RunString(ReportFormat.RunFields.ModuleVersion),
            RulesFingerprint = RunString(ReportFormat.RunFields.RulesFingerprint),
            StartedAt = Time(ReportFormat.RunFields.StartedAt) ?? default,
            FinishedAt = Time(ReportFormat.RunFields.FinishedAt),
            Server = RunString(ReportFormat.RunFields.Server),
            Database = RunString(ReportFormat.RunFields.Database),
            Schema = RunString(ReportFormat.RunFields.Schema),
            UserName = RunString(ReportFormat.RunFields.UserName),
            Parameters = parameters,
            Message = RunString(ReportFormat.RunFields.Message) is { Length: > 0 } m ? m : null,
        };
    }

    /// <summary><c>counts</c> as typed values (absent counts are 0).</summary>
    public ReportCounts ToCounts() => new()
    {
        UsersTotal = Count(ReportFormat.CountFields.UsersTotal),
        UsersMigrated = Count(ReportFormat.CountFields.UsersMigrated),
        UsersSkipped = Count(ReportFormat.CountFields.UsersSkipped),
        UsersFailed = Count(ReportFormat.CountFields.UsersFailed),
        ProfilesWritten = Count(ReportFormat.CountFields.ProfilesWritten),
        ContextIntentsWritten = Count(ReportFormat.CountFields.ContextIntentsWritten),
        Conflicts = Count(ReportFormat.CountFields.Conflicts),
        UnmappedFields = Count(ReportFormat.CountFields.UnmappedFields),
        UnmappedKeys = Count(ReportFormat.CountFields.UnmappedKeys),
        InvalidValues = Count(ReportFormat.CountFields.InvalidValues),
        Errors = Count(ReportFormat.CountFields.Errors),
    };

    private DateTimeOffset? Time(string name) =>
        DateTimeOffset.TryParse(RunString(name), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : null;
}

/// <summary>
/// One finding of a report; the subclass says which. Values are JSON text exactly as stored (or "\"[redacted]\"").
/// The flat properties are there for callers that handle every kind alike (the cmdlet's output object); the ones a
/// kind does not have are null (Candidates empty).
/// </summary>
public abstract record ReportEntry(
    ReportEntryKind Kind,
    string? UserId,
    string? ContextType,
    string? Field,
    string? Value,
    IReadOnlyList<(string ContextType, string Value)> Candidates,
    string? Chosen,
    string? Reason,
    string? ErrorId);

/// <summary>A shared field with different present values: every candidate (context, JSON value) and the chosen JSON value.</summary>
public sealed record ConflictEntry(string? UserId, string? Field, IReadOnlyList<(string ContextType, string Value)> Candidates, string? Chosen)
    : ReportEntry(ReportEntryKind.Conflict, UserId, null, Field, null, Candidates, Chosen, null, null);

/// <summary>One unmapped key (<see cref="ReportEntry.Field"/>) of a blob, with its JSON value: a report entry of n keys reads as n of these.</summary>
public sealed record UnmappedEntry(string? UserId, string? ContextType, string? Field, string? Value)
    : ReportEntry(ReportEntryKind.UnmappedField, UserId, ContextType, Field, Value, [], null, null, null);

/// <summary>A mapped key with the wrong JSON type, or (Field null) a blob that is not a JSON object.</summary>
public sealed record InvalidValueEntry(string? UserId, string? ContextType, string? Field, string? Value, string? Reason)
    : ReportEntry(ReportEntryKind.InvalidValue, UserId, ContextType, Field, Value, [], null, Reason, null);

/// <summary>A user that could not be migrated, or (UserId null) what stopped the run.</summary>
public sealed record ErrorEntry(string? UserId, string? ErrorId, string? Reason)
    : ReportEntry(ReportEntryKind.Error, UserId, null, null, null, [], null, Reason, ErrorId);

/// <summary>
/// Reads reports written by <see cref="ReportWriter"/> as a stream: the file is never loaded whole, so a report with
/// a million findings reads in constant memory. A file that is missing, cut short, not JSON, not a Matchmade report,
/// or of a newer schema gives one <see cref="MatchmadeException"/>.
/// </summary>
public static class ReportReader
{
    /// <summary>Entries nest values 4 levels down (root, array, entry, unmappedFields): room for the deepest value the writer keeps.</summary>
    private const int MaxDepth = ReportWriter.ValueMaxDepth + 8;

    /// <summary>Reads schemaVersion, kind, run and counts: only the beginning of the file (and its last bytes, to catch a cut).</summary>
    public static ReportHeader ReadHeader(string path)
    {
        using var stream = new StreamingJson(path);
        return ReadHead(stream, path);
    }

    /// <summary>The findings of one kind, optionally of one user.</summary>
    public static IEnumerable<ReportEntry> ReadEntries(string path, ReportEntryKind kind, string? userId = null) =>
        ReadEntries(path, [kind], userId);

    /// <summary>
    /// The findings in file order (conflicts, unmapped fields, invalid values, errors), filtered by kinds (null or
    /// empty: all) and user id (ordinal; run-level errors have none and are left out when filtering by user). Streams:
    /// a damaged file throws <c>ReportCorrupt</c> when the reader reaches the damage, at the latest at the end, so a
    /// caller that enumerates to the end never takes a cut file for a whole one.
    /// </summary>
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
            var index = IndexOf(name);
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
            if (!wanted)
            {
                while (stream.SkipNextValue())
                {
                }

                continue;
            }

            while (stream.NextValue() is { } element)
            {
                using (element)
                {
                    var root = element.RootElement;
                    if (root.ValueKind != JsonValueKind.Object)
                    {
                        throw stream.Corrupt($"an entry of '{name}' is not an object");
                    }

                    var entryUser = root.TryGetProperty(F.UserId, out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
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

    private static int IndexOf(string name)
    {
        for (var i = 0; i < ReportFormat.ArrayNames.Count; i++)
        {
            if (ReportFormat.ArrayNames[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<ReportEntry> ToEntries(ReportEntryKind kind, JsonElement e, string? userId)
    {
        string? S(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        string? Raw(string name) => e.TryGetProperty(name, out var v) ? v.GetRawText() : null;
        switch (kind)
        {
            case ReportEntryKind.Conflict:
                var candidates = e.TryGetProperty(F.Values, out var values) && values.ValueKind == JsonValueKind.Array
                    ? values.EnumerateArray()
                        .Where(c => c.ValueKind == JsonValueKind.Object)
                        .Select(c => (
                            c.TryGetProperty(F.ContextType, out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty,
                            c.TryGetProperty(F.Value, out var v) ? v.GetRawText() : "null"))
                        .ToArray()
                    : [];
                yield return new ConflictEntry(userId, S(F.Field), candidates, Raw(F.Chosen));
                break;
            case ReportEntryKind.UnmappedField:
                if (e.TryGetProperty(F.UnmappedFields, out var fields) && fields.ValueKind == JsonValueKind.Object)
                {
                    var contextType = S(F.ContextType);
                    foreach (var field in fields.EnumerateObject())
                    {
                        yield return new UnmappedEntry(userId, contextType, field.Name, field.Value.GetRawText());
                    }
                }

                break;
            case ReportEntryKind.InvalidValue:
                yield return new InvalidValueEntry(userId, S(F.ContextType), S(F.Field), Raw(F.Value), S(F.Reason));
                break;
            default:
                yield return new ErrorEntry(userId, S(F.ErrorId), S(F.Reason));
                break;
        }
    }

    private static ReportHeader ReadHead(StreamingJson stream, string path)
    {
        if (stream.Next() != JsonTokenType.StartObject)
        {
            throw NotRecognized(path, "it is not a JSON object");
        }

        long? version = null;
        string? kind = null;
        JsonDocument? run = null, counts = null;
        try
        {
            while (version is null || kind is null || run is null || counts is null)
            {
                if (stream.Next() != JsonTokenType.PropertyName)
                {
                    throw NotRecognized(path, "it lacks schemaVersion, kind, run or counts");
                }

                var name = stream.PropertyName;
                if (name is ReportFormat.RunName or ReportFormat.CountsName && kind is not null && version is not null)
                {
                    var value = stream.NextValue() ?? throw stream.Corrupt($"'{name}' ends early");
                    if (value.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        value.Dispose();
                        throw NotRecognized(path, $"'{name}' is not an object");
                    }

                    if (name == ReportFormat.RunName)
                    {
                        run?.Dispose();
                        run = value;
                    }
                    else
                    {
                        counts?.Dispose();
                        counts = value;
                    }

                    continue;
                }

                stream.Next();
                switch (name)
                {
                    case ReportFormat.SchemaVersionName:
                        version = stream.NumberValue is { } v && v >= 1 ? v : throw NotRecognized(path, "its schemaVersion is not a positive whole number");
                        break;
                    case ReportFormat.KindName:
                        kind = stream.StringValue;
                        if (kind != ReportFormat.Kind)
                        {
                            throw NotRecognized(path, kind is null ? "its kind is not a string" : $"its kind is '{kind}'");
                        }

                        break;
                    default:
                        if (kind is null || version is null)
                        {
                            // A report starts with schemaVersion and kind: anything else first is some other JSON.
                            throw NotRecognized(path, $"it starts with '{name}', not with schemaVersion and kind");
                        }

                        stream.SkipValue();
                        break;
                }

                if (version > ReportFormat.SchemaVersion && kind is not null)
                {
                    throw new MatchmadeException(ErrorIds.ReportSchemaUnsupported, FailureKind.InvalidData,
                        $"'{path}' is a report of schemaVersion {version}; this module reads up to {ReportFormat.SchemaVersion}. Update the Matchmade module to read it.", target: path);
                }
            }

            return new ReportHeader((int)version.Value, path, run.RootElement.Clone(), counts.RootElement.Clone());
        }
        finally
        {
            run?.Dispose();
            counts?.Dispose();
        }
    }

    private static MatchmadeException NotRecognized(string path, string why) => new(ErrorIds.ReportNotRecognized, FailureKind.InvalidData,
        $"'{path}' is not a Matchmade migration report ({why}). Pass a {ReportFormat.FilePrefix}*.json file written by Invoke-ProfileMigration.", target: path);

    /// <summary>A forward-only JSON token stream over a file, refilling its buffer as it goes.</summary>
    private sealed class StreamingJson : IDisposable
    {
        private readonly string path;
        private readonly FileStream file;
        private byte[] buffer = new byte[1 << 16];
        private int start, end;
        private bool finalBlock;
        private JsonReaderState state = new(new JsonReaderOptions { MaxDepth = MaxDepth });
        private JsonTokenType token;

        public StreamingJson(string path)
        {
            this.path = path;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound, $"No report at '{path}'. Check the path, or run Invoke-ProfileMigration (every run writes one).", e, path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new MatchmadeException(ErrorIds.ReportNotReadable, FailureKind.ReadError, $"Cannot read the report '{path}': {e.Message}", e, path);
            }

            try
            {
                // A report is written whole and renamed into place; one that opens an object and does not close it was
                // cut short. (Other first bytes are left to the parser: not JSON is corrupt, other JSON is not a report.)
                var first = FirstByte();
                if (first is null || (first == (byte)'{' && !EndsWithBrace()))
                {
                    throw Corrupt("the file is empty or cut short");
                }

                file.Position = HasBom() ? 3 : 0;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }

        public string? PropertyName { get; private set; }

        public string? StringValue { get; private set; }

        public long? NumberValue { get; private set; }

        public JsonTokenType Next()
        {
            while (true)
            {
                var reader = new Utf8JsonReader(buffer.AsSpan(start, end - start), finalBlock, state);
                bool read;
                try
                {
                    read = reader.Read();
                    if (read)
                    {
                        token = reader.TokenType;
                        PropertyName = token == JsonTokenType.PropertyName ? reader.GetString() : null;
                        StringValue = token == JsonTokenType.String ? reader.GetString() : null;
                        NumberValue = token == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : null;
                    }
                }
                catch (Exception e) when (e is JsonException or InvalidOperationException)
                {
                    throw Corrupt(e.Message);
                }

                if (read)
                {
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
            JsonDocument? document = null;
            return Value(parse: true, ref document) ? document : null;
        }

        /// <summary>Skips the next value without building it; false at the container's end.</summary>
        public bool SkipNextValue()
        {
            JsonDocument? none = null;
            return Value(parse: false, ref none);
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
            while (true)
            {
                if (buffer.AsSpan(start, end - start).Trim(" \t\r\n"u8).Length > 0)
                {
                    throw Corrupt("there is text after the report");
                }

                if (finalBlock)
                {
                    return;
                }

                start = end = 0;
                Refill();
            }
        }

        public MatchmadeException Corrupt(string why) => new(ErrorIds.ReportCorrupt, FailureKind.InvalidData,
            $"The report '{path}' is damaged ({why}). Reports are written whole, so this file was cut short or edited; use another copy, or read the run's counts with Get-MigrationReport -ConnectionString … -RunId.", target: path);

        public void Dispose() => file.Dispose();

        private bool Value(bool parse, ref JsonDocument? document)
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
                            Commit(ref reader);
                            return false;
                        }

                        var probe = reader;
                        if (probe.TrySkip())
                        {
                            if (parse)
                            {
                                document = JsonDocument.ParseValue(ref reader);
                                Commit(ref reader);
                            }
                            else
                            {
                                Commit(ref probe);
                            }

                            return true;
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

        private void Commit(ref Utf8JsonReader reader)
        {
            token = reader.TokenType;
            start += (int)reader.BytesConsumed;
            state = reader.CurrentState;
        }

        private bool HasBom()
        {
            Span<byte> head = stackalloc byte[3];
            file.Position = 0;
            return file.Read(head) == 3 && head.SequenceEqual("\uFEFF"u8);
        }

        /// <summary>The first byte after a byte order mark and white space, or null if there is none.</summary>
        private byte? FirstByte()
        {
            file.Position = HasBom() ? 3 : 0;
            Span<byte> head = stackalloc byte[256];
            int read;
            while ((read = file.Read(head)) > 0)
            {
                foreach (var b in head[..read])
                {
                    if (b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
                    {
                        return b;
                    }
                }
            }

            return null;
        }

        private bool EndsWithBrace()
        {
            var tail = new byte[Math.Min(64, (int)Math.Min(file.Length, int.MaxValue))];
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
                // One value larger than the buffer (a 10 MB string): grow (the larger buffer is dropped with the stream).
                Array.Resize(ref buffer, buffer.Length * 2);
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
