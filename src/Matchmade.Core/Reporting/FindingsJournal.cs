using System.Buffers;
using System.Text;
using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Schema;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Reporting;

/// <summary>
/// The findings journal (<c>run_finding</c> in the module's schema): each committed batch's findings and errors, in
/// the report's own entry format, written by the run history in the batch's transaction. The report file is written
/// when the run ends; a run killed before that (kill -9, a lost machine) has its committed batches' findings here,
/// and Get-MigrationReport -RunId reads them. A run's rows are removed once its report file is written.
/// </summary>
public static class FindingsJournal
{
    public const string Table = "run_finding";

    /// <summary>Journal rows read per query: bounded memory however long the run was.</summary>
    private const int PageRows = 200;

    /// <summary>Journal buffers above this size (a huge batch's) are dropped after use rather than kept for the next batch.</summary>
    private const long KeepBufferBytes = 32L << 20;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = ReportReader.MaxDepth };

    /// <summary>Each array's head in a row: <c>,"conflicts":</c> (the comma dropped for a row's first array).</summary>
    private static readonly byte[][] ArrayHeads = ReportFormat.ArrayNames.Select(name => Encoding.UTF8.GetBytes($",\"{name}\":")).ToArray();

    [ThreadStatic]
    private static ArrayBufferWriter<byte>[]? journalBuffers;

    /// <summary>
    /// Compresses the journal's rows with lz4 from now on when the server can (PostgreSQL 14 or later, built with lz4),
    /// else leaves pglz, the default. Once per table: a table that has it (or a server without it) is left alone.
    /// </summary>
    internal static void CompressWithLz4(NpgsqlConnection connection, SchemaNames schemas)
    {
        if (connection.PostgreSqlVersion.Major < 14)
        {
            return;
        }

        using var needed = new NpgsqlCommand(SqlText.For("journal-compression.sql", schemas), connection);
        needed.Parameters.AddWithValue("state_schema", schemas.State);
        if (needed.ExecuteScalar() is true)
        {
            using var alter = new NpgsqlCommand(SqlText.For("journal-lz4.sql", schemas), connection);
            alter.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// One batch's journal row: <c>{"conflicts":[…],"unmappedFields":[…],"invalidValues":[…],"errors":[…]}</c> (only
    /// the arrays it has), each entry exactly as the report writes it, with where each entry lies in it (the report
    /// takes them from there: <see cref="ReportWriter.AddBatch"/>); null when the batch has nothing to keep. The row
    /// comes from <paramref name="pool"/> when given (give it back with <see cref="EncodedFindings.Release"/>).
    /// </summary>
    internal static EncodedFindings? Encode(IReadOnlyList<Finding> findings, IReadOnlyList<RunError> errors, bool redact, EncodedFindings.Pool? pool = null)
    {
        if (findings.Count == 0 && errors.Count == 0)
        {
            return null;
        }

        // The per-kind arrays are this thread's buffers, reused from batch to batch: a batch of a conflict-heavy
        // shape journals megabytes, and growing fresh buffers for each batch cost more (garbage collections of large
        // objects) than encoding the entries.
        var arrays = journalBuffers ??= NewBuffers();
        var encoded = pool?.Rent() ?? new EncodedFindings();
        encoded.Begin(redact);
        try
        {
            var encoder = new EntryEncoder(redact, (ReportEntryKind kind, ReadOnlySpan<byte> entry) =>
            {
                var array = arrays[(int)kind];
                array.Write(array.WrittenCount == 0 ? "["u8 : ","u8);
                encoded.AddEntry(kind, array.WrittenCount, entry.Length);
                array.Write(entry);
            });
            foreach (var finding in findings)
            {
                encoder.Add(finding);
            }

            foreach (var error in errors)
            {
                encoder.AddError(error);
            }

            encoder.Flush();
            Concatenate(arrays, encoded, encoder.Counts);
            return encoded;
        }
        finally
        {
            foreach (var array in arrays)
            {
                array.ResetWrittenCount();
            }

            if (arrays.Sum(a => (long)a.Capacity) > KeepBufferBytes)
            {
                journalBuffers = null;
            }
        }
    }

    /// <summary>The row: the arrays that have entries, in the report's order, in the encoded row of exactly the row's size.</summary>
    private static void Concatenate(ArrayBufferWriter<byte>[] arrays, EncodedFindings encoded, EntryCounts counts)
    {
        var size = 2;
        Span<int> starts = stackalloc int[arrays.Length];
        for (var i = 0; i < arrays.Length; i++)
        {
            if (arrays[i].WrittenCount > 0)
            {
                var head = ArrayHeads[i].Length - (size == 2 ? 1 : 0); // ,"name": after the first array, "name": for the first
                starts[i] = size - 1 + head;
                size += head + arrays[i].WrittenCount + 1;
            }
        }

        var row = encoded.Finish(size, starts, counts);
        var at = 0;
        row[at++] = (byte)'{';
        for (var i = 0; i < arrays.Length; i++)
        {
            if (arrays[i].WrittenCount == 0)
            {
                continue;
            }

            var head = ArrayHeads[i].AsSpan(at == 1 ? 1 : 0);
            head.CopyTo(row[at..]);
            at += head.Length;
            arrays[i].WrittenSpan.CopyTo(row[at..]);
            at += arrays[i].WrittenCount;
            row[at++] = (byte)']';
        }

        row[at] = (byte)'}';
    }

    private static ArrayBufferWriter<byte>[] NewBuffers()
    {
        var arrays = new ArrayBufferWriter<byte>[ReportFormat.ArrayNames.Count];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new ArrayBufferWriter<byte>(1024);
        }

        return arrays;
    }

    /// <summary>
    /// The findings the run's committed batches journaled, in the report's order (kind by kind; batches in commit
    /// order), filtered like <see cref="ReportReader.ReadEntries(string, IReadOnlyCollection{ReportEntryKind}?, string?)"/>.
    /// Nothing when the run has no journal rows (its report file was written, or it found nothing).
    /// </summary>
    public static IEnumerable<ReportEntry> Read(DatabaseTarget target, Guid runId, IReadOnlyCollection<ReportEntryKind>? kinds, string? userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var kind in Enum.GetValues<ReportEntryKind>())
        {
            if (kinds is { Count: > 0 } && !kinds.Contains(kind))
            {
                continue;
            }

            foreach (var batch in Batches(target, runId, cancellationToken))
            {
                foreach (var entry in EntriesOf(batch, kind, userId))
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>
    /// Writes a report file (docs/report-schema.md, the run's history counts) from the journal of a run that has none,
    /// in <paramref name="folder"/> under the name a run gives its report; returns its path. <c>run.status</c> is the
    /// history's (Interrupted) and <c>run.message</c> says the file was rebuilt from the journal.
    /// </summary>
    public static string Rebuild(DatabaseTarget target, RunRecord run, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(run);
        var startedAt = new DateTimeOffset(DateTime.SpecifyKind(run.StartedAt, DateTimeKind.Utc));
        using var writer = ReportWriter.Create(folder, startedAt);
        var unmappedKeys = 0L;
        foreach (var batch in Batches(target, run.RunId, cancellationToken))
        {
            using var document = JsonDocument.Parse(batch, ParseOptions);
            foreach (var kind in Enum.GetValues<ReportEntryKind>())
            {
                if (document.RootElement.TryGetProperty(ReportFormat.ArrayNames[(int)kind], out var array) && array.ValueKind == JsonValueKind.Array)
                {
                    foreach (var element in array.EnumerateArray())
                    {
                        writer.AddEntry(kind, Encoding.UTF8.GetBytes(element.GetRawText()));
                        unmappedKeys += kind == ReportEntryKind.UnmappedField && element.TryGetProperty(ReportFormat.EntryFields.UnmappedFields, out var keys) && keys.ValueKind == JsonValueKind.Object
                            ? keys.EnumerateObject().Count()
                            : 0;
                    }
                }
            }
        }

        var info = new ReportRunInfo
        {
            RunId = run.RunId, Mode = run.Mode, Status = run.Status, ModuleVersion = run.ModuleVersion, RulesFingerprint = string.Empty,
            StartedAt = startedAt, FinishedAt = run.FinishedAt is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc)) : null,
            Server = $"{target.Host}:{target.Port}", Database = target.Database, Schema = target.Schemas.App, UserName = target.UserName,
            Message = $"{run.Message}{(run.Message is null ? string.Empty : " ")}Rebuilt from the findings journal: the findings of the batches the run committed.",
        };
        var counts = new ReportCounts
        {
            UsersTotal = run.UsersTotal, UsersMigrated = run.UsersMigrated, UsersSkipped = run.UsersSkipped, UsersFailed = run.UsersFailed,
            ProfilesWritten = run.UsersMigrated, ContextIntentsWritten = run.ContextIntentsWritten, Conflicts = run.Conflicts,
            UnmappedFields = run.UnmappedFields, UnmappedKeys = unmappedKeys, InvalidValues = run.InvalidValues, Errors = run.Errors,
        };
        return writer.Complete(info, counts);
    }

    /// <summary>The journal's rows of one run, a page at a time (errors of the server become one MatchmadeException).</summary>
    private static IEnumerable<byte[]> Batches(DatabaseTarget target, Guid runId, CancellationToken cancellationToken)
    {
        var after = 0L;
        while (true)
        {
            var page = Page(target, runId, after, cancellationToken);
            foreach (var (_, findings) in page)
            {
                yield return findings;
            }

            if (page.Count < PageRows)
            {
                yield break;
            }

            after = page[^1].Seq;
        }
    }

    private static List<(long Seq, byte[] Findings)> Page(DatabaseTarget target, Guid runId, long after, CancellationToken cancellationToken)
    {
        var rows = new List<(long, byte[])>();
        try
        {
            using var connection = target.Open(cancellationToken);
            if (SchemaInspector.TablesPresent(connection, target.Schemas.State, [Table]).Count == 0)
            {
                return rows; // a state schema of a module version without the journal
            }

            using var command = new NpgsqlCommand(SqlText.For("run-findings.sql", target.Schemas), connection);
            command.Parameters.AddWithValue("run_id", runId);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.AddWithValue("limit", PageRows);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }

            return rows;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw DbErrors.During(e, $"Reading the findings journal of run {runId}", target);
        }
    }

    private static IEnumerable<ReportEntry> EntriesOf(byte[] batch, ReportEntryKind kind, string? userId)
    {
        using var document = JsonDocument.Parse(batch, ParseOptions);
        if (!document.RootElement.TryGetProperty(ReportFormat.ArrayNames[(int)kind], out var array) || array.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var element in array.EnumerateArray())
        {
            var entryUser = ReportReader.UserIdOf(element);
            if (userId is not null && !string.Equals(entryUser, userId, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var entry in ReportReader.ToEntries(kind, element, entryUser))
            {
                yield return entry;
            }
        }
    }
}
