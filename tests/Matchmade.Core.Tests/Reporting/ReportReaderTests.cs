using System.Text;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>Reading a report back as a stream, and one clear error for every file that is not a whole report.</summary>
[Collection(nameof(MemoryMeasuringCollection))]
public sealed class ReportReaderTests : ReportFiles
{
    [Fact]
    public void Header_and_entries_read_back_as_written()
    {
        var path = WriteSample();
        var header = ReportReader.ReadHeader(path);
        Assert.Equal(1, header.SchemaVersion);
        Assert.Equal(ReportFormat.Kind, header.Kind);
        Assert.Equal(path, header.Path);
        var run = header.ToRunInfo();
        var expected = Run();
        Assert.Equal(expected with { Parameters = run.Parameters }, run);
        Assert.Equal(expected.Parameters.OrderBy(p => p.Key), run.Parameters.OrderBy(p => p.Key));
        Assert.Equal(new ReportCounts { UsersTotal = 10, UsersMigrated = 7, UsersSkipped = 2, UsersFailed = 1, ProfilesWritten = 7, ContextIntentsWritten = 12, Conflicts = 1, UnmappedFields = 2, UnmappedKeys = 3, InvalidValues = 1, Errors = 2 }, header.ToCounts());
        Assert.Equal("Completed", header.RunString(ReportFormat.RunFields.Status));
        Assert.Equal(3, header.Count(ReportFormat.CountFields.UnmappedKeys));

        var entries = ReportReader.ReadEntries(path).ToList();
        Assert.Equal(
            [
                new ConflictEntry("u1", "beliefs.religion", entries[0].Candidates, "\"buddhist\""),
                new UnmappedEntry("u1", "romantic", "intent", "\"long-term\""),
                new UnmappedEntry("u1", "romantic", "preferences", "[\"hiking\",\"jazz\"]"),
                new UnmappedEntry("u2", "service", "x", "{\"y\":1}"),
                new InvalidValueEntry("u2", "friendship", "coreValues", "\"honesty\"", "expected array, found string"),
                new ErrorEntry("u3", "UserWriteFailed", "duplicate key"),
                new ErrorEntry(null, "ConnectionLost", "gone"),
            ],
            entries);
        Assert.Equal([("romantic", "\"catholic\""), ("friendship", "\"buddhist\"")], entries[0].Candidates);
        Assert.Equal([ReportEntryKind.Conflict, ReportEntryKind.UnmappedField, ReportEntryKind.UnmappedField, ReportEntryKind.UnmappedField, ReportEntryKind.InvalidValue, ReportEntryKind.Error, ReportEntryKind.Error], entries.Select(e => e.Kind));
    }

    [Fact]
    public void Entries_filter_by_kind_and_user()
    {
        var path = WriteSample();
        Assert.Equal(["intent", "preferences", "x"], ReportReader.ReadEntries(path, ReportEntryKind.UnmappedField).Select(e => e.Field));
        Assert.Equal(["u3", null], ReportReader.ReadEntries(path, ReportEntryKind.Error).Select(e => e.UserId));
        Assert.Equal(
            [ReportEntryKind.Conflict, ReportEntryKind.Error, ReportEntryKind.Error],
            ReportReader.ReadEntries(path, [ReportEntryKind.Error, ReportEntryKind.Conflict]).Select(e => e.Kind));
        Assert.Equal(
            [ReportEntryKind.UnmappedField, ReportEntryKind.InvalidValue],
            ReportReader.ReadEntries(path, userId: "u2").Select(e => e.Kind)); // run-level errors have no user
        Assert.Equal(["x"], ReportReader.ReadEntries(path, ReportEntryKind.UnmappedField, "u2").Select(e => e.Field));
        Assert.Empty(ReportReader.ReadEntries(path, userId: "U2")); // ordinal
        Assert.Equal(7, ReportReader.ReadEntries(path, []).Count());
    }

    [Fact]
    public void An_empty_report_reads_as_no_entries()
    {
        var path = Write(Dir, _ => { });
        Assert.Empty(ReportReader.ReadEntries(path));
        Assert.Equal(0, ReportReader.ReadHeader(path).ToCounts().Errors);
    }

    [Fact]
    public void A_report_cut_anywhere_is_corrupt_never_a_partial_success()
    {
        var good = WriteSample();
        var bytes = File.ReadAllBytes(good);
        var cut = Path.Combine(Dir, "cut.json");
        var cuts = Enumerable.Range(1, 40).Select(i => bytes.Length * i / 41)
            .Concat(AllIndexesOf(bytes, (byte)'}').Select(i => i + 1).Where(i => i < bytes.Length - 2)); // cut right after a closing brace too
        foreach (var length in cuts.Distinct())
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var e = Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(cut).ToList());
            Assert.True(e.ErrorId == "ReportCorrupt", $"cut at {length}: {e.ErrorId} {e.Message}");
            Assert.Equal(FailureKind.InvalidData, e.Kind);
        }

        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        Assert.Equal("ReportCorrupt", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(cut)).ErrorId);
        File.WriteAllBytes(cut, bytes[..40]);
        Assert.Equal("ReportCorrupt", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(cut)).ErrorId);
    }

    [Fact]
    public void Damaged_and_non_JSON_files_are_corrupt()
    {
        var good = File.ReadAllText(WriteSample());
        AssertError("ReportCorrupt", "empty.json", "");
        AssertError("ReportCorrupt", "blank.json", " \n ");
        AssertError("ReportCorrupt", "text.json", "hello, this is not JSON");
        AssertEntriesError("ReportCorrupt", "inside.json", good.Replace("\"conflicts\":[", "\"conflicts\":[{\"userId\":", StringComparison.Ordinal));
        AssertEntriesError("ReportCorrupt", "trailing.json", good + "{}");
        AssertEntriesError("ReportCorrupt", "not-array.json", good.Replace("\"errors\":[", "\"errors\":{\"a\":[", StringComparison.Ordinal).Replace("]\n}\n", "]}\n}\n", StringComparison.Ordinal));

        // A byte order mark (an editor's save) and added white space are fine.
        var bom = Path.Combine(Dir, "bom.json");
        File.WriteAllText(bom, "\n" + good + "\n\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(7, ReportReader.ReadEntries(bom).Count());
    }

    [Fact]
    public void Other_JSON_newer_schemas_and_missing_files_are_told_apart()
    {
        AssertError("ReportNotRecognized", "package.json", "{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{}}");
        AssertError("ReportNotRecognized", "array.json", "[1,2,3]");
        AssertError("ReportNotRecognized", "other-kind.json", "{\"schemaVersion\":1,\"kind\":\"something.else\",\"run\":{},\"counts\":{}}");
        AssertError("ReportNotRecognized", "no-kind.json", "{\"schemaVersion\":1,\"run\":{},\"counts\":{}}");
        AssertError("ReportNotRecognized", "kind-number.json", "{\"schemaVersion\":1,\"kind\":7}");
        AssertError("ReportNotRecognized", "version-text.json", "{\"schemaVersion\":\"1\",\"kind\":\"matchmade.migration-report\",\"run\":{},\"counts\":{}}");
        AssertError("ReportNotRecognized", "headless.json", "{\"schemaVersion\":1,\"kind\":\"matchmade.migration-report\"}");

        var good = File.ReadAllText(WriteSample());
        AssertError("ReportSchemaUnsupported", "future.json", good.Replace("\"schemaVersion\":1", "\"schemaVersion\":2", StringComparison.Ordinal));
        AssertError("ReportSchemaUnsupported", "future-shape.json", "{\"schemaVersion\":7,\"kind\":\"matchmade.migration-report\",\"somethingNew\":[]}");
        var e = AssertError("ReportSchemaUnsupported", "future-kind-first.json", "{\"kind\":\"matchmade.migration-report\",\"schemaVersion\":3}");
        Assert.Contains("Update the Matchmade module", e.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(Path.Combine(Dir, "nope.json")));
        Assert.Equal(("ReportNotFound", FailureKind.ObjectNotFound), (missing.ErrorId, missing.Kind));
        Assert.Equal("ReportNotFound", Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(Path.Combine(Dir, "no-dir", "r.json")).ToList()).ErrorId);
    }

    [Fact]
    public void Unknown_properties_of_a_version_1_report_are_skipped()
    {
        var good = File.ReadAllText(WriteSample());
        var extended = good.Replace("\"run\":", "\"producer\":{\"deep\":[[{}]]},\"run\":", StringComparison.Ordinal)
            .Replace("\n\"errors\":", "\n\"notes\":[\"a\",{\"b\":[]}],\n\"errors\":", StringComparison.Ordinal);
        var path = Path.Combine(Dir, "extended.json");
        File.WriteAllText(path, extended);
        Assert.Equal(7, ReportReader.ReadEntries(path).Count());
        Assert.Equal(10, ReportReader.ReadHeader(path).ToCounts().UsersTotal);
    }

    /// <summary>Damage after the header: the header reads, the entries do not.</summary>
    private void AssertEntriesError(string errorId, string name, string content)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, content);
        Assert.Equal(10, ReportReader.ReadHeader(path).ToCounts().UsersTotal);
        var e = Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(path).ToList());
        Assert.True(e.ErrorId == errorId, $"{name}: {e.ErrorId} {e.Message}");
    }

    private MatchmadeException AssertError(string errorId, string name, string content)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, content);
        var header = Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(path));
        Assert.True(header.ErrorId == errorId, $"{name}: {header.ErrorId} {header.Message}");
        Assert.Equal(FailureKind.InvalidData, header.Kind);
        Assert.Equal(path, header.Target);
        var entries = Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(path).ToList());
        Assert.True(entries.ErrorId == errorId, $"{name} (entries): {entries.ErrorId} {entries.Message}");
        return header;
    }

    private string WriteSample() => Write(Path.Combine(Dir, "sample-" + Guid.NewGuid().ToString("N")[..6] + ".json"), w =>
    {
        w.Add(new Conflict("u1", "beliefs.religion", [new(ContextType.Romantic, "\"catholic\""), new(ContextType.Friendship, "\"buddhist\"")], "\"buddhist\""));
        w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"long-term\""));
        w.Add(new UnmappedField("u1", ContextType.Romantic, "preferences", "[\"hiking\",\"jazz\"]"));
        w.Add(new UnmappedField("u2", ContextType.Service, "x", "{\"y\":1}"));
        w.Add(new InvalidValue("u2", ContextType.Friendship, "coreValues", "\"honesty\"", "expected array, found string"));
        w.AddError(new RunError("u3", "UserWriteFailed", "duplicate key"));
        w.AddError(new RunError(null, "ConnectionLost", "gone"));
    });

    private static IEnumerable<int> AllIndexesOf(byte[] bytes, byte value)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == value)
            {
                yield return i;
            }
        }
    }
}
