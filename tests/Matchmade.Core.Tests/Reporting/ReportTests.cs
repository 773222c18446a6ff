using System.Diagnostics;
using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>The report file: where it goes, what it holds, and reading it back as a stream.</summary>
[Collection(nameof(MemoryMeasuringCollection))]
public sealed class ReportTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 23, 30, 0, TimeSpan.FromHours(-2)); // 2026-11-25 in UTC
    private readonly string dir = Directory.CreateTempSubdirectory("mm-report-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Default_name_uses_the_UTC_date_and_never_overwrites()
    {
        var first = Write(dir, w => { });
        var second = Write(dir, w => { });
        Assert.Equal(Path.Combine(dir, "migration-report-2026-11-25.json"), first);
        Assert.Equal(Path.Combine(dir, "migration-report-2026-11-25-2.json"), second);
        var e = Assert.Throws<MatchmadeException>(() => ReportWriter.Create(first, Start));
        Assert.Equal("ReportExists", e.ErrorId);
        Assert.Equal("ReportPathNotWritable", Assert.Throws<MatchmadeException>(() => ReportWriter.Create(Path.Combine(dir, "no-such-dir", "r.json"), Start)).ErrorId);
    }

    [Fact]
    public void Nothing_is_left_behind_until_Complete_and_nothing_after_an_abandoned_writer()
    {
        using (var writer = ReportWriter.Create(dir, Start))
        {
            writer.Add(new Conflict("u", "name", [new(ContextType.Romantic, "\"a\""), new(ContextType.Service, "\"b\"")], "\"a\""));
            Assert.False(File.Exists(writer.Path));
        }

        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void The_report_holds_every_finding_exactly_and_reads_back_as_entries()
    {
        var huge = "\"" + new string('z', 10 * 1024 * 1024) + "\"";
        var path = Write(dir, w =>
        {
            w.Add(new Conflict("u1", "beliefs.religion", [new(ContextType.Romantic, "\"catholic\""), new(ContextType.Friendship, "\"buddhist\"")], "\"buddhist\""));
            w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"long-term\""));
            w.Add(new UnmappedField("u1", ContextType.Romantic, "big", "[1e400, 123456789012345678901234567890, \"🦄\"]"));
            w.Add(new UnmappedField("u2", ContextType.Romantic, "intent", huge));
            w.Add(new InvalidValue("u2", ContextType.Service, null, "[1,2]", "the blob is a JSON array"));
            w.AddError(new RunError("u3", "UserWriteFailed", "duplicate key"));
        });
        Assert.DoesNotContain(".part", string.Join(",", Directory.GetFiles(dir)), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        using (var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { MaxDepth = 100 }))
        {
            var root = doc.RootElement;
            Assert.Equal(1, root.GetProperty("schemaVersion").GetInt32());
            Assert.Equal("matchmade.migration-report", root.GetProperty("kind").GetString());
            Assert.Equal(2, root.GetProperty("unmappedFields").GetArrayLength()); // grouped per blob
            Assert.Equal("[1e400, 123456789012345678901234567890, \"🦄\"]", root.GetProperty("unmappedFields")[0].GetProperty("unmappedFields").GetProperty("big").GetRawText());
            Assert.Equal("buddhist", root.GetProperty("conflicts")[0].GetProperty("chosen").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("invalidValues")[0].GetProperty("field").ValueKind);
        }

        var entries = ReportReader.ReadEntries(path).ToList();
        Assert.Equal([ReportEntryKind.Conflict, ReportEntryKind.UnmappedField, ReportEntryKind.UnmappedField, ReportEntryKind.UnmappedField, ReportEntryKind.InvalidValue, ReportEntryKind.Error], entries.Select(e => e.Kind));
        Assert.Equal(("romantic", "\"catholic\""), entries[0].Candidates[0]);
        Assert.Equal(huge.Length, entries[3].Value!.Length);
        Assert.Equal(["u2", "u2"], ReportReader.ReadEntries(path, null, "u2").Where(e => e.Kind != ReportEntryKind.Error).Select(e => e.UserId));
        Assert.Single(ReportReader.ReadEntries(path, [ReportEntryKind.Error]));
        var header = ReportReader.ReadHeader(path);
        Assert.Equal("Completed", header.RunString("status"));
        Assert.Equal(3, header.Count("unmappedKeys"));
    }

    [Fact]
    public void Redaction_keeps_keys_and_reasons_and_drops_values()
    {
        var path = Write(dir, w =>
        {
            w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"secret wish\""));
            w.Add(new Conflict("u1", "name", [new(ContextType.Romantic, "\"Ann\""), new(ContextType.Service, "\"Bo\"")], "\"Ann\""));
        }, redact: true);
        var text = File.ReadAllText(path);
        Assert.DoesNotContain("secret wish", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Ann", text, StringComparison.Ordinal);
        Assert.Contains("intent", text, StringComparison.Ordinal);
        Assert.Contains("[redacted]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_foreign_future_and_missing_files_are_one_clear_error_each()
    {
        var good = Write(dir, w => w.Add(new Conflict("u", "name", [new(ContextType.Romantic, "\"a\"")], "\"a\"")));
        var bytes = File.ReadAllBytes(good);
        var truncated = Path.Combine(dir, "truncated.json");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Equal("ReportCorrupt", Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(truncated).ToList()).ErrorId);
        Assert.Equal("ReportCorrupt", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(truncated)).ErrorId);

        var cutInside = Path.Combine(dir, "cut-inside.json");
        File.WriteAllText(cutInside, File.ReadAllText(good).Replace("\"conflicts\":[", "\"conflicts\":[{\"userId\":", StringComparison.Ordinal));
        Assert.Equal("ReportCorrupt", Assert.Throws<MatchmadeException>(() => ReportReader.ReadEntries(cutInside).ToList()).ErrorId);

        var foreign = Path.Combine(dir, "package.json");
        File.WriteAllText(foreign, "{\"name\":\"app\",\"version\":\"1.0.0\"}");
        Assert.Equal("ReportNotRecognized", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(foreign)).ErrorId);

        var future = Path.Combine(dir, "future.json");
        File.WriteAllText(future, File.ReadAllText(good).Replace("\"schemaVersion\":1", "\"schemaVersion\":2", StringComparison.Ordinal));
        Assert.Equal("ReportSchemaUnsupported", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(future)).ErrorId);

        Assert.Equal("ReportNotFound", Assert.Throws<MatchmadeException>(() => ReportReader.ReadHeader(Path.Combine(dir, "nope.json"))).ErrorId);
    }

    [Fact]
    public void A_million_findings_stream_out_and_back_in_with_flat_memory()
    {
        const int count = 1_000_000;
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var peakManaged = before;
        var watch = Stopwatch.StartNew();
        var path = Write(dir, w =>
        {
            for (var i = 0; i < count; i++)
            {
                w.Add(new InvalidValue("user" + i, ContextType.Professional, "coreValues", "\"honesty\"", "expected array, found string"));
                if (i % 100_000 == 0)
                {
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                }
            }
        });
        long read = 0;
        foreach (var entry in ReportReader.ReadEntries(path))
        {
            read++;
            if (read % 100_000 == 0)
            {
                peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
            }
        }

        Assert.Equal(count, read);
        Assert.True(new FileInfo(path).Length > 100_000_000);
        Assert.True(peakManaged - before < 64 * 1024 * 1024, $"managed heap grew {(peakManaged - before) / 1024 / 1024} MB");
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"took {watch.Elapsed}");
    }

    private static string Write(string target, Action<ReportWriter> findings, bool redact = false)
    {
        using var writer = ReportWriter.Create(target, Start, redact);
        findings(writer);
        return writer.Complete(
            new ReportRunInfo
            {
                RunId = Guid.NewGuid(), Mode = "Live", Status = "Completed", ModuleVersion = "0.1.0", RulesFingerprint = "x",
                StartedAt = Start, FinishedAt = Start.AddSeconds(1), Server = "h:5432", Database = "d", Schema = "public", UserName = "dba",
            },
            new ReportCounts { Conflicts = writer.Conflicts, UnmappedFields = writer.UnmappedEntries, UnmappedKeys = writer.UnmappedKeys, InvalidValues = writer.InvalidValues, Errors = writer.Errors });
    }
}

/// <summary>The managed heap is process-wide: a test that measures it runs with no other test beside it.</summary>
[CollectionDefinition(nameof(MemoryMeasuringCollection), DisableParallelization = true)]
public sealed class MemoryMeasuringCollection;
