using Matchmade.Core.Connection;
using Matchmade.Core.Merge;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Tests.Migration;
using Matchmade.Fixtures;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>The findings journal: each committed batch's findings kept with the batch, readable by run id, as the report has them.</summary>
public sealed class FindingsJournalTests : ReportFiles
{
    private static readonly Finding[] Kept =
    [
        new Conflict("u1", "location", [new(ContextType.Romantic, "\"Paris\""), new(ContextType.Friendship, "1e400")], "\"Paris\""),
        new UnmappedField("u1", ContextType.Romantic, "zodiac", "{\"sign\":\"leo\",\"deep\":[1,[2]]}"),
        new UnmappedField("u1", ContextType.Romantic, "mood", "\"ünïcödé 😀\""),
        new InvalidValue("u2", ContextType.Service, "age", "\"old\"", "expected a number"),
        new InvalidValue("u2", ContextType.Service, null, "not json {", "the blob is not a JSON object"),
        new UnmappedField("u2", ContextType.Friendship, "zodiac", "null"),
    ];

    private static readonly RunError[] KeptErrors = [new("u3", "UserWriteFailed", "duplicate key (SQLSTATE 23505)")];

    [Fact]
    public void A_committed_batch_journals_its_findings_as_the_report_has_them_a_rolled_back_one_nothing_and_a_written_report_prunes_them()
    {
        var cs = TestServer.Shared.CreateDatabase("journal");
        try
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
            using var connection = target.Open(CancellationToken.None);
            var history = new RunHistory(connection, target, new RecordingLog());
            history.Prepare();
            var runId = Guid.NewGuid();
            history.Start(runId, RunMode.Live, new Dictionary<string, string?>(), 10, 0);

            using (var rolledBack = connection.BeginTransaction())
            {
                history.Batch(rolledBack, runId, 1, 0, 1, [new Conflict("u9", "name", [new(ContextType.Romantic, "\"a\""), new(ContextType.Service, "\"b\"")], "\"a\"")], [new RunError("u8", "UserWriteFailed", "x")]);
                rolledBack.Rollback();
            }

            using (var committed = connection.BeginTransaction())
            {
                history.Batch(committed, runId, 2, 1, 4, Kept, KeptErrors);
                committed.Commit();
            }

            using (var nothingFound = connection.BeginTransaction())
            {
                history.Batch(nothingFound, runId, 5, 0, 9, [], []);
                nothingFound.Commit();
            }

            // One row: the committed batch with findings (a batch without any has none; the rolled back one left none).
            Assert.Equal(1L, Scalar<long>(connection, "SELECT count(*) FROM matchmade.run_finding"));
            Assert.Equal("7|1|1|2|2", Scalar<string>(connection, "SELECT concat_ws('|', users_migrated, users_failed, conflicts, unmapped_fields, invalid_values) FROM matchmade.run"));

            var report = ReportOf(Kept, KeptErrors);
            Assert.Equal(Lines(ReportReader.ReadEntries(report)), Lines(FindingsJournal.Read(target, runId, null, null, CancellationToken.None)));
            Assert.Equal(
                Lines(ReportReader.ReadEntries(report, [ReportEntryKind.UnmappedField, ReportEntryKind.Error], "u1")),
                Lines(FindingsJournal.Read(target, runId, [ReportEntryKind.UnmappedField, ReportEntryKind.Error], "u1", CancellationToken.None)));
            Assert.Contains(FindingsJournal.Read(target, runId, null, null, CancellationToken.None), e => e is ConflictEntry { Candidates: [_, (_, "1e400")] });

            // The run's report file is written: the journal's rows go with the run's end.
            history.Finish(runId, new MigrationOutcome
            {
                RunId = runId, Mode = RunMode.Live, Status = RunStatus.Completed, Server = "s", Database = "d", Schema = "public",
                StartedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, ReportPath = report,
            });
            Assert.Equal(0L, Scalar<long>(connection, "SELECT count(*) FROM matchmade.run_finding"));
            Assert.Empty(FindingsJournal.Read(target, runId, null, null, CancellationToken.None));
        }
        finally
        {
            TestServer.Shared.DropDatabase(cs);
        }
    }

    [Fact]
    public void The_journal_compresses_with_lz4_a_table_of_an_earlier_version_too_and_its_rows_stay_readable()
    {
        var cs = TestServer.Shared.CreateDatabase("journal_lz4");
        try
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = cs });
            using var connection = target.Open(CancellationToken.None);
            var history = new RunHistory(connection, target, new RecordingLog());
            history.Prepare();
            const string Compression = "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'matchmade.run_finding'::regclass AND attname = 'findings'";
            Assert.Equal("l", Scalar<string>(connection, Compression));

            // The table as an earlier version made it (the server's default, pglz), with a row written so.
            Exec(connection, "ALTER TABLE matchmade.run_finding ALTER COLUMN findings SET COMPRESSION default");
            var runId = Guid.NewGuid();
            history.Start(runId, RunMode.Live, new Dictionary<string, string?>(), 10, 0);
            using (var batch = connection.BeginTransaction())
            {
                history.Batch(batch, runId, 2, 1, 4, Kept, KeptErrors);
                batch.Commit();
            }

            Assert.Equal(string.Empty, Scalar<string>(connection, Compression));

            // A role that may use the table but not alter it (not its owner) leaves it as it is, without an error.
            var role = "mm_journal_" + Guid.NewGuid().ToString("N")[..8];
            Exec(connection, $"CREATE ROLE {role}; GRANT USAGE ON SCHEMA matchmade TO {role}; SET ROLE {role}");
            try
            {
                FindingsJournal.CompressWithLz4(connection, target.Schemas);
            }
            finally
            {
                Exec(connection, $"RESET ROLE; REVOKE USAGE ON SCHEMA matchmade FROM {role}; DROP ROLE {role}");
            }

            Assert.Equal(string.Empty, Scalar<string>(connection, Compression));
            history.Prepare();
            Assert.Equal("l", Scalar<string>(connection, Compression));
            Assert.Equal(Lines(ReportReader.ReadEntries(ReportOf(Kept, KeptErrors))), Lines(FindingsJournal.Read(target, runId, null, null, CancellationToken.None)));
        }
        finally
        {
            TestServer.Shared.DropDatabase(cs);
        }
    }

    [Fact]
    public void A_redacted_run_journals_no_values()
    {
        var row = FindingsJournal.Encode(Kept, KeptErrors, redact: true)!;
        var text = System.Text.Encoding.UTF8.GetString(row.Row.Span);
        Assert.DoesNotContain("Paris", text, StringComparison.Ordinal);
        Assert.DoesNotContain("leo", text, StringComparison.Ordinal);
        Assert.Contains("\"[redacted]\"", text, StringComparison.Ordinal);
        Assert.Null(FindingsJournal.Encode([], [], redact: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Each_finding_is_encoded_once_the_journal_row_and_the_report_take_the_same_bytes_as_each_encoded_them_alone(bool redact)
    {
        // Two batches through the run's pool (the second reuses the first's row), as the live run reports them.
        var pool = new EncodedFindings.Pool();
        Finding[] second = [new Conflict("u4", "name", [new(ContextType.Romantic, "\"a\""), new(ContextType.Service, "\"b\"")], "\"b\""), new UnmappedField("u4", ContextType.Service, "x", "[1,2]")];
        var fromBatches = Path.Combine(Dir, "batches");
        var fromFindings = Path.Combine(Dir, "findings");
        Directory.CreateDirectory(fromBatches);
        Directory.CreateDirectory(fromFindings);
        using var batches = ReportWriter.Create(fromBatches, Start, redact);
        using var oneByOne = ReportWriter.Create(fromFindings, Start, redact);
        var rows = new List<string>();
        foreach (var (findings, errors) in new[] { ((IReadOnlyList<Finding>)Kept, (IReadOnlyList<RunError>)KeptErrors), (second, []) })
        {
            var encoded = FindingsJournal.Encode(findings, errors, redact, pool)!;
            rows.Add(System.Text.Encoding.UTF8.GetString(encoded.Row.Span));
            batches.AddBatch(findings, errors, encoded);
            encoded.Release();
            oneByOne.AddAll(findings, errors);
        }

        // The report: byte for byte what encoding each finding for it alone wrote, counts included.
        var expected = File.ReadAllBytes(oneByOne.Complete(Run(), oneByOne.WithFindings(new ReportCounts())));
        Assert.Equal(expected, File.ReadAllBytes(batches.Complete(Run(), batches.WithFindings(new ReportCounts()))));
        Assert.Equal((2, 3, 4), (batches.Conflicts, batches.UnmappedEntries, batches.UnmappedKeys));

        // The journal rows: each batch's entries as the report has them, per kind, in the row's own layout.
        using var first = ReportWriter.Create(Path.Combine(Dir, "findings"), Start, redact);
        first.AddAll(Kept, KeptErrors);
        Assert.Equal(JournalRowOf(File.ReadAllText(first.Complete(Run(), new ReportCounts()))), rows[0]);
        Assert.StartsWith("{\"conflicts\":[{\"userId\":\"u4\",\"field\":\"name\",\"values\":[", rows[1], StringComparison.Ordinal);
        Assert.EndsWith("}]}", rows[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_merges_values_kept_as_the_blobs_utf8_bytes_encode_byte_for_byte_as_their_text(bool redact)
    {
        const string Blob = """{"a":"Paris","b":1e400,"c":"\u00e9t\u00e9 \"q\" ünï 😀","d":{"x":[1,{"y":null}],"z":"\ud83d\ude00"},"e":[ ],"f":-0.0,"g":true}""";
        using var document = System.Text.Json.JsonDocument.Parse(Blob);
        var values = document.RootElement.EnumerateObject().Select(p => p.Value).ToList();
        Finding[] AsBytes() =>
        [
            new Conflict("u1", "f", [.. values.Select(v => new Candidate(ContextType.Romantic, v))], values.Count - 1),
            .. document.RootElement.EnumerateObject().Select(p => new UnmappedField("u1", ContextType.Service, p.Name, p.Value)),
        ];
        Finding[] AsText() =>
        [
            new Conflict("u1", "f", [.. values.Select(v => new Candidate(ContextType.Romantic, v.GetRawText()))], values[^1].GetRawText()),
            .. document.RootElement.EnumerateObject().Select(p => new UnmappedField("u1", ContextType.Service, p.Name, p.Value.GetRawText())),
        ];

        var expected = FindingsJournal.Encode(AsText(), [], redact)!.Row.ToArray();
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(FindingsJournal.Encode(AsBytes(), [], redact)!.Row.Span));
        Assert.Equal(expected, FindingsJournal.Encode(AsBytes(), [], redact)!.Row.ToArray());

        // The text, when asked for, is the value's JSON text.
        var conflict = (Conflict)AsBytes()[0];
        Assert.Equal(values.Select(v => v.GetRawText()), conflict.Candidates.Select(c => c.Value));
        Assert.Equal("true", conflict.Chosen);
        Assert.Equal(AsText()[0] with { }, conflict);
    }

    /// <summary>A journal row composed from a report file's entries: the arrays that have any, entries joined by commas.</summary>
    private static string JournalRowOf(string report)
    {
        var arrays = new List<string>();
        List<string>? entries = null;
        foreach (var line in report.Split('\n'))
        {
            var head = ReportFormat.ArrayNames.FirstOrDefault(name => line.StartsWith($"\"{name}\":[", StringComparison.Ordinal));
            if (head is not null)
            {
                entries = [];
                arrays.Add(head);
                arrays.Add(string.Empty);
            }
            else if (entries is not null && line.StartsWith('{'))
            {
                entries.Add(line.TrimEnd(','));
                arrays[^1] = string.Join(",", entries);
            }
        }

        return "{" + string.Join(",", arrays.Chunk(2).Where(a => a[1].Length > 0).Select(a => $"\"{a[0]}\":[{a[1]}]")) + "}";
    }

    /// <summary>The report file the same findings give: the journal must read exactly as it does.</summary>
    private string ReportOf(IEnumerable<Finding> findings, IEnumerable<RunError> errors)
    {
        using var writer = ReportWriter.Create(Dir, Start);
        foreach (var finding in findings)
        {
            writer.Add(finding);
        }

        foreach (var error in errors)
        {
            writer.AddError(error);
        }

        return writer.Complete(Run(), new ReportCounts());
    }

    private static List<string> Lines(IEnumerable<ReportEntry> entries) =>
        [.. entries.Select(e => string.Join("|", e.Kind, e.UserId, e.ContextType, e.Field, e.Value, string.Join(",", e.Candidates), e.Chosen, e.Reason, e.ErrorId))];
}
