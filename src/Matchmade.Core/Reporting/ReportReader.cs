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

    /// <summary><c>counts</c> as typed values (absent counts are 0; absent optional figures null).</summary>
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
        ContextsByType = ReportFigures.ReadContextsByType(Counts),
        Batches = ReportFigures.ReadBatches(Counts),
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
    internal const int MaxDepth = ReportWriter.ValueMaxDepth + 8;

    /// <summary>Reads schemaVersion, kind, run and counts: only the beginning of the file (and its last bytes, to catch a cut).</summary>
    public static ReportHeader ReadHeader(string path)
    {
        using var stream = Open(path);
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
        using var stream = Open(path);
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
                SkipArray(stream);
                continue;
            }

            foreach (var entry in ReadArray(stream, name, kind, userId))
            {
                yield return entry;
            }
        }

        stream.ExpectEnd();
    }

    /// <summary>Skips the rest of an array the caller does not want.</summary>
    private static void SkipArray(StreamingJsonReader stream)
    {
        while (stream.SkipNextValue())
        {
        }
    }

    /// <summary>The entries of the array <paramref name="name"/> (already opened), of one user when given.</summary>
    private static IEnumerable<ReportEntry> ReadArray(StreamingJsonReader stream, string name, ReportEntryKind kind, string? userId)
    {
        while (stream.NextValue() is { } element)
        {
            using (element)
            {
                var root = element.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw stream.Corrupt($"an entry of '{name}' is not an object");
                }

                var entryUser = UserIdOf(root);
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

    /// <summary>An entry's <c>userId</c>, or null (a run-level error).</summary>
    internal static string? UserIdOf(JsonElement entry) =>
        entry.TryGetProperty(F.UserId, out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;

    /// <summary>One entry of the report's format as typed entries (an unmapped-fields entry gives one per key).</summary>
    internal static IEnumerable<ReportEntry> ToEntries(ReportEntryKind kind, JsonElement e, string? userId)
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

    private static ReportHeader ReadHead(StreamingJsonReader stream, string path)
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
                    var value = ReadHeadObject(stream, path, name);
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

                ReadHeadScalar(stream, path, name, ref version, ref kind);
                ThrowIfNewerSchema(path, version, kind);
            }

            return new ReportHeader((int)version.Value, path, run.RootElement.Clone(), counts.RootElement.Clone());
        }
        finally
        {
            run?.Dispose();
            counts?.Dispose();
        }
    }

    /// <summary>The value of <c>run</c> or <c>counts</c>, which must be an object (the caller disposes it).</summary>
    private static JsonDocument ReadHeadObject(StreamingJsonReader stream, string path, string name)
    {
        var value = stream.NextValue() ?? throw stream.Corrupt($"'{name}' ends early");
        if (value.RootElement.ValueKind != JsonValueKind.Object)
        {
            value.Dispose();
            throw NotRecognized(path, $"'{name}' is not an object");
        }

        return value;
    }

    /// <summary>Reads schemaVersion or kind (skips any other property once both are read; before, it is not a report).</summary>
    private static void ReadHeadScalar(StreamingJsonReader stream, string path, string? name, ref long? version, ref string? kind)
    {
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
    }

    private static void ThrowIfNewerSchema(string path, long? version, string? kind)
    {
        if (version > ReportFormat.SchemaVersion && kind is not null)
        {
            throw new MatchmadeException(ErrorIds.ReportSchemaUnsupported, FailureKind.InvalidData,
                $"'{path}' is a report of schemaVersion {version}; this module reads up to {ReportFormat.SchemaVersion}. Update the Matchmade module to read it.", target: path);
        }
    }

    /// <summary>Opens a report for streaming; one that opens an object and does not close it was cut short.</summary>
    private static StreamingJsonReader Open(string path)
    {
        FileStream file;
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

        var stream = new StreamingJsonReader(file, MaxDepth, why => Corrupt(path, why));
        try
        {
            // A report is written whole and renamed into place; one that opens an object and does not close it was
            // cut short. (Other first bytes are left to the parser: not JSON is corrupt, other JSON is not a report.)
            var first = stream.FirstByte();
            if (first is null || (first == (byte)'{' && !stream.EndsWithBrace()))
            {
                throw stream.Corrupt("the file is empty or cut short");
            }

            stream.Rewind();
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static MatchmadeException Corrupt(string path, string why) => new(ErrorIds.ReportCorrupt, FailureKind.InvalidData,
        $"The report '{path}' is damaged ({why}). Reports are written whole, so this file was cut short or edited; use another copy, or read the run's counts with Get-MigrationReport -ConnectionString … -RunId.", target: path);

    private static MatchmadeException NotRecognized(string path, string why) => new(ErrorIds.ReportNotRecognized, FailureKind.InvalidData,
        $"'{path}' is not a Matchmade migration report ({why}). Pass a {ReportFormat.FilePrefix}*.json file written by Invoke-ProfileMigration.", target: path);
}
