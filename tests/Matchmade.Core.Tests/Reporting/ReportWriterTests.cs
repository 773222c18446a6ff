using System.Text.Json;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>Where the report goes, what exactly it holds, and that it appears whole or not at all.</summary>
[Collection(nameof(MemoryMeasuringCollection))]
public sealed class ReportWriterTests : ReportFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Default_name_uses_the_UTC_date_and_takes_a_suffix_rather_than_overwrite()
    {
        var first = Write(Dir, _ => { });
        var second = Write(Dir, _ => { });
        var third = Write(Dir + Path.DirectorySeparatorChar, _ => { });
        Assert.Equal(Path.Combine(Dir, "migration-report-2026-11-25.json"), first);
        Assert.Equal(Path.Combine(Dir, "migration-report-2026-11-25-2.json"), second);
        Assert.Equal(Path.Combine(Dir, "migration-report-2026-11-25-3.json"), third);
    }

    [Fact]
    public void No_path_means_the_current_directory()
    {
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = Dir; // safe: this collection runs alone
        try
        {
            var here = Environment.CurrentDirectory;
            using var writer = ReportWriter.Create(null, Start);
            Assert.Equal(Path.Combine(here, "migration-report-2026-11-25.json"), writer.Path);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    [Fact]
    public void An_explicit_file_is_used_as_given_and_never_overwritten()
    {
        var explicitPath = Path.Combine(Dir, "my-report.json");
        Assert.Equal(explicitPath, Write(explicitPath, _ => { }));
        var before = File.ReadAllBytes(explicitPath);

        var e = Assert.Throws<MatchmadeException>(() => ReportWriter.Create(explicitPath, Start));
        Assert.Equal("ReportExists", e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains("Pick another -ReportPath", e.Message, StringComparison.Ordinal);
        Assert.Contains("remove", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(explicitPath));
        Assert.Single(Directory.GetFiles(Dir)); // the refusal left no spill files behind
    }

    [Fact]
    public void A_missing_or_unwritable_folder_is_refused_before_anything_is_written()
    {
        var missing = Assert.Throws<MatchmadeException>(() => ReportWriter.Create(Path.Combine(Dir, "no-such-dir", "r.json"), Start));
        Assert.Equal("ReportPathNotWritable", missing.ErrorId);
        Assert.Equal(FailureKind.WriteError, missing.Kind);
        Assert.Equal("ReportPathNotWritable", Assert.Throws<MatchmadeException>(() => ReportWriter.Create(Path.Combine(Dir, "no-such-dir") + Path.DirectorySeparatorChar, Start)).ErrorId);

        var file = Path.Combine(Dir, "a-file");
        File.WriteAllText(file, "x");
        Assert.Equal("ReportPathNotWritable", Assert.Throws<MatchmadeException>(() => ReportWriter.Create(file + Path.DirectorySeparatorChar, Start)).ErrorId);
        Assert.Equal("ReportPathNotWritable", Assert.Throws<MatchmadeException>(() => ReportWriter.Create(Path.Combine(file, "r.json"), Start)).ErrorId);

        if (!OperatingSystem.IsWindows())
        {
            var readOnly = Directory.CreateDirectory(Path.Combine(Dir, "read-only")).FullName;
            File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var target = CanCreateFileIn(readOnly) ? (OperatingSystem.IsLinux() ? "/proc" : null) : readOnly; // root writes anywhere but /proc
            if (target is not null)
            {
                var e = Assert.Throws<MatchmadeException>(() => ReportWriter.Create(target, Start));
                Assert.Equal("ReportPathNotWritable", e.ErrorId);
                Assert.Contains(target, e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Spill_files_prove_the_folder_at_Create_leave_no_name_a_kill_could_strand_and_the_report_appears_only_at_Complete()
    {
        string path;
        using (var writer = ReportWriter.Create(Dir, Start))
        {
            path = writer.Path;
            if (OperatingSystem.IsWindows())
            {
                // Deleted on close by the system, also when the process is killed.
                Assert.Equal(4, Directory.GetFiles(Dir).Length);
            }
            else
            {
                // Created in the folder (proving it writable), then unnamed at once: open, owner-only, and nowhere to be
                // found by name, so even kill -9 leaves nothing behind.
                Assert.Empty(Directory.GetFiles(Dir));
                if (OperatingSystem.IsLinux())
                {
                    var spills = Directory.GetFiles("/proc/self/fd")
                        .Where(fd => new FileInfo(fd).LinkTarget is { } t && t.StartsWith(Path.Combine(Dir, ".migration-report-"), StringComparison.Ordinal) && t.EndsWith(".part (deleted)", StringComparison.Ordinal))
                        .ToList();
                    Assert.Equal(4, spills.Count);
                    foreach (var fd in spills)
                    {
                        Assert.Equal(OwnerOnly, File.GetUnixFileMode(fd));
                    }
                }
            }

            writer.Add(new Conflict("u", "name", [new(ContextType.Romantic, "\"a\""), new(ContextType.Service, "\"b\"")], "\"a\""));
            writer.AddError(new RunError(null, "ConnectionLost", "gone"));
            Assert.False(File.Exists(path));
            writer.Complete(Run(), Counts(writer));
            Assert.Equal([path], Directory.GetFiles(Dir));
            Assert.Throws<InvalidOperationException>(() => writer.Add(new UnmappedField("u", ContextType.Romantic, "k", "1")));
        }

        Assert.Equal([path], Directory.GetFiles(Dir));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_writer_disposed_without_Complete_leaves_nothing()
    {
        using (var writer = ReportWriter.Create(Dir, Start))
        {
            writer.Add(new Conflict("u", "name", [new(ContextType.Romantic, "\"a\""), new(ContextType.Service, "\"b\"")], "\"a\""));
            writer.Add(new UnmappedField("u", ContextType.Romantic, "k", "1"));
        }

        Assert.Empty(Directory.GetFiles(Dir));
    }

    [Fact]
    public void A_name_taken_while_the_run_went_on_gets_the_next_free_name()
    {
        using (var writer = ReportWriter.Create(Dir, Start))
        {
            File.WriteAllText(writer.Path, "another run's report");
            var final = writer.Complete(Run(), Counts(writer));
            Assert.Equal(Path.Combine(Dir, "migration-report-2026-11-25-2.json"), final);
            Assert.Equal(final, writer.Path);
            Assert.Equal("another run's report", File.ReadAllText(Path.Combine(Dir, "migration-report-2026-11-25.json")));
        }

        var explicitPath = Path.Combine(Dir, "mine.json");
        using (var writer = ReportWriter.Create(explicitPath, Start))
        {
            File.WriteAllText(explicitPath, "someone else's");
            Assert.Equal(Path.Combine(Dir, "mine-2.json"), writer.Complete(Run(), Counts(writer)));
            Assert.Equal("someone else's", File.ReadAllText(explicitPath));
        }

        Assert.DoesNotContain(Directory.GetFiles(Dir), f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".part", StringComparison.Ordinal));
    }

    [Fact]
    public void Unmapped_keys_of_one_blob_are_one_entry()
    {
        var path = Write(Dir, w =>
        {
            w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"long-term\""));
            w.Add(new UnmappedField("u1", ContextType.Romantic, "preferences", "[\"hiking\",\"jazz\"]"));
            w.Add(new Conflict("u1", "location", [new(ContextType.Romantic, "\"SF\""), new(ContextType.Friendship, "\"NYC\"")], "\"SF\""));
            w.Add(new UnmappedField("u1", ContextType.Romantic, "dealbreakers", "[\"smoking\"]")); // same blob: other kinds in between do not split it
            w.Add(new UnmappedField("u1", ContextType.Friendship, "intent", "\"chess\""));
            w.Add(new UnmappedField("u2", ContextType.Romantic, "intent", "\"x\""));
            Assert.Equal(3, w.UnmappedEntries);
            Assert.Equal(5, w.UnmappedKeys);
            Assert.Equal(1, w.Conflicts);
        });

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var entries = doc.RootElement.GetProperty("unmappedFields").EnumerateArray().ToList();
        Assert.Equal(3, entries.Count);
        Assert.Equal(("u1", "romantic", "intent,preferences,dealbreakers"), Describe(entries[0]));
        Assert.Equal(("u1", "friendship", "intent"), Describe(entries[1]));
        Assert.Equal(("u2", "romantic", "intent"), Describe(entries[2]));
        Assert.Equal(3, doc.RootElement.GetProperty("counts").GetProperty("unmappedFields").GetInt64());
        Assert.Equal(5, doc.RootElement.GetProperty("counts").GetProperty("unmappedKeys").GetInt64());

        static (string?, string?, string) Describe(JsonElement e) =>
            (e.GetProperty("userId").GetString(), e.GetProperty("contextType").GetString(), string.Join(",", e.GetProperty("unmappedFields").EnumerateObject().Select(p => p.Name)));
    }

    [Fact]
    public void A_small_report_is_exactly_this_text()
    {
        var path = Write(Path.Combine(Dir, "small.json"), w =>
        {
            w.Add(new Conflict("u1", "beliefs.religion", [new(ContextType.Romantic, "\"catholic\""), new(ContextType.Friendship, "\"buddhist\"")], "\"catholic\""));
            w.Add(new UnmappedField("user_qa1", ContextType.Romantic, "intent", "\"long-term\""));
            w.Add(new UnmappedField("user_qa1", ContextType.Romantic, "preferences", "[\"hiking\",\"jazz\"]"));
            w.Add(new InvalidValue("u2", ContextType.Friendship, "coreValues", "\"honesty\"", "expected array, found string"));
            w.Add(new InvalidValue("u3", ContextType.Service, null, "[1,2]", "the blob is a JSON array, not an object; nothing of it was migrated"));
            w.AddError(new RunError("u4", "UserWriteFailed", "duplicate key (SQLSTATE 23505)"));
            w.AddError(new RunError(null, "ConnectionLost", "Batch 12 lost its connection: Zoë's café"));
        });

        var expected =
            "{\"schemaVersion\":1,\"kind\":\"matchmade.migration-report\",\"run\":{\"runId\":\"0b5e3c1a-7d2f-4e61-9a0c-5f2d8e4b7a19\",\"mode\":\"Live\",\"status\":\"Completed\",\"moduleVersion\":\"0.1.0\",\"rulesFingerprint\":\"f00d\",\"startedAt\":\"2026-11-24T23:30:00-02:00\",\"finishedAt\":\"2026-11-24T23:31:30-02:00\",\"server\":\"db.internal:5432\",\"database\":\"app\",\"schema\":\"public\",\"userName\":\"dba\",\"parameters\":{\"batchSize\":\"5000\",\"userIds\":null},\"message\":null},\"counts\":{\"usersTotal\":10,\"usersMigrated\":7,\"usersSkipped\":2,\"usersFailed\":1,\"profilesWritten\":7,\"contextIntentsWritten\":12,\"conflicts\":1,\"unmappedFields\":1,\"unmappedKeys\":2,\"invalidValues\":2,\"errors\":2},\n" +
            "\"conflicts\":[\n" +
            "{\"userId\":\"u1\",\"field\":\"beliefs.religion\",\"values\":[{\"contextType\":\"romantic\",\"value\":\"catholic\"},{\"contextType\":\"friendship\",\"value\":\"buddhist\"}],\"chosen\":\"catholic\"}\n" +
            "],\n\"unmappedFields\":[\n" +
            "{\"userId\":\"user_qa1\",\"contextType\":\"romantic\",\"unmappedFields\":{\"intent\":\"long-term\",\"preferences\":[\"hiking\",\"jazz\"]}}\n" +
            "],\n\"invalidValues\":[\n" +
            "{\"userId\":\"u2\",\"contextType\":\"friendship\",\"field\":\"coreValues\",\"value\":\"honesty\",\"reason\":\"expected array, found string\"},\n" +
            "{\"userId\":\"u3\",\"contextType\":\"service\",\"field\":null,\"value\":[1,2],\"reason\":\"the blob is a JSON array, not an object; nothing of it was migrated\"}\n" +
            "],\n\"errors\":[\n" +
            "{\"userId\":\"u4\",\"errorId\":\"UserWriteFailed\",\"reason\":\"duplicate key (SQLSTATE 23505)\"},\n" +
            "{\"userId\":null,\"errorId\":\"ConnectionLost\",\"reason\":\"Batch 12 lost its connection: Zoë's café\"}\n" +
            "]\n}\n";
        Assert.Equal(expected, File.ReadAllText(path));

        // And field by field, as a JSON consumer sees it.
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        Assert.Equal(["schemaVersion", "kind", "run", "counts", "conflicts", "unmappedFields", "invalidValues", "errors"], root.EnumerateObject().Select(p => p.Name));
        var run = root.GetProperty("run");
        Assert.Equal(RunId, run.GetProperty("runId").GetGuid());
        Assert.Equal(Start, run.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(Start.AddSeconds(90), run.GetProperty("finishedAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("parameters").GetProperty("userIds").ValueKind);
        Assert.Equal(JsonValueKind.Null, run.GetProperty("message").ValueKind);
        var counts = root.GetProperty("counts");
        Assert.Equal(
            [("usersTotal", 10L), ("usersMigrated", 7L), ("usersSkipped", 2L), ("usersFailed", 1L), ("profilesWritten", 7L), ("contextIntentsWritten", 12L), ("conflicts", 1L), ("unmappedFields", 1L), ("unmappedKeys", 2L), ("invalidValues", 2L), ("errors", 2L)],
            counts.EnumerateObject().Select(p => (p.Name, p.Value.GetInt64())));
        var conflict = root.GetProperty("conflicts")[0];
        Assert.Equal("romantic", conflict.GetProperty("values")[0].GetProperty("contextType").GetString());
        Assert.Equal("buddhist", conflict.GetProperty("values")[1].GetProperty("value").GetString());
        Assert.Equal("catholic", conflict.GetProperty("chosen").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("invalidValues")[1].GetProperty("field").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("errors")[1].GetProperty("userId").ValueKind);
    }

    [Fact]
    public void Run_texts_are_scrubbed_of_passwords()
    {
        var path = Path.Combine(Dir, "scrub.json");
        using (var writer = ReportWriter.Create(path, Start))
        {
            writer.AddError(new RunError(null, "ConnectionFailed", "postgresql://dba:hunter2@db/app refused"));
            writer.Complete(Run("Failed") with { Message = "Password=hunter2;Host=db failed", Parameters = new Dictionary<string, string?> { ["x"] = "postgres://a:hunter2@h/d" } }, Counts(writer));
        }

        Assert.DoesNotContain("hunter2", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Redaction_replaces_every_value_and_keeps_keys_fields_ids_and_reasons()
    {
        var path = Write(Dir, w =>
        {
            w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"secret wish\""));
            w.Add(new UnmappedField("u1", ContextType.Romantic, "age", "41"));
            w.Add(new Conflict("u1", "name", [new(ContextType.Romantic, "\"Annabel\""), new(ContextType.Service, "\"Bo\"")], "\"Annabel\""));
            w.Add(new InvalidValue("u2", ContextType.Friendship, "coreValues", "\"honesty\"", "expected array, found string"));
            w.AddError(new RunError("u3", "UserWriteFailed", "duplicate key"));
        }, redact: true);

        var text = File.ReadAllText(path);
        foreach (var secret in new[] { "secret wish", "41", "Annabel", "\"Bo\"", "honesty" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var unmapped = root.GetProperty("unmappedFields")[0];
        Assert.Equal("u1", unmapped.GetProperty("userId").GetString());
        Assert.Equal(["intent", "age"], unmapped.GetProperty("unmappedFields").EnumerateObject().Select(p => p.Name));
        Assert.All(unmapped.GetProperty("unmappedFields").EnumerateObject(), p => Assert.Equal("[redacted]", p.Value.GetString()));
        var conflict = root.GetProperty("conflicts")[0];
        Assert.Equal("name", conflict.GetProperty("field").GetString());
        Assert.Equal(["romantic", "service"], conflict.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("contextType").GetString()));
        Assert.All(conflict.GetProperty("values").EnumerateArray(), v => Assert.Equal("[redacted]", v.GetProperty("value").GetString()));
        Assert.Equal("[redacted]", conflict.GetProperty("chosen").GetString());
        var invalid = root.GetProperty("invalidValues")[0];
        Assert.Equal(("coreValues", "[redacted]", "expected array, found string"), (invalid.GetProperty("field").GetString(), invalid.GetProperty("value").GetString(), invalid.GetProperty("reason").GetString()));
        Assert.Equal("duplicate key", root.GetProperty("errors")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public void Values_are_kept_exactly_as_stored()
    {
        var huge = "\"" + new string('z', 10 * 1024 * 1024) + "\"";
        var deep = new string('[', 10_000) + "1e400" + new string(']', 10_000);
        var values = new Dictionary<string, string>
        {
            ["big"] = "1e400",
            ["digits"] = "123456789012345678901234567890",
            ["negzero"] = "-0.0E+00",
            ["astral"] = "\"🦄 𝄞 Zoë\"",
            ["escaped"] = "\"\\u00e9\\n\\\"\"",
            ["mixed"] = "{\"a\":[1.10,true,null,{}]}",
            ["deep"] = deep,
            ["huge"] = huge,
        };
        var path = Write(Dir, w =>
        {
            foreach (var (key, value) in values)
            {
                w.Add(new UnmappedField("🦄-user", ContextType.Creative, "🔑" + key, value));
            }

            w.Add(new Conflict("u", "ageRange", [new(ContextType.Romantic, "1e400"), new(ContextType.Creative, "123456789012345678901234567890")], "1e400"));
            w.Add(new InvalidValue("u", ContextType.Service, null, deep, "the blob is a JSON array, not an object"));
            w.Add(new InvalidValue("u", ContextType.Service, null, "not json at all {", "not valid JSON"));
        });

        var read = ReportReader.ReadEntries(path).ToList();
        var unmapped = read.OfType<UnmappedEntry>().ToDictionary(e => e.Field!, e => e.Value!);
        Assert.Equal(values.Keys.Select(k => "🔑" + k), unmapped.Keys);
        foreach (var (key, value) in values)
        {
            Assert.Equal(value, unmapped["🔑" + key]);
        }

        Assert.All(read.OfType<UnmappedEntry>(), e => Assert.Equal("🦄-user", e.UserId));
        var conflict = Assert.Single(read.OfType<ConflictEntry>());
        Assert.Equal([("romantic", "1e400"), ("creative", "123456789012345678901234567890")], conflict.Candidates);
        Assert.Equal("1e400", conflict.Chosen);
        var invalid = read.OfType<InvalidValueEntry>().ToList();
        Assert.Equal(deep, invalid[0].Value);
        Assert.Equal("\"not json at all {\"", invalid[1].Value); // not JSON: kept as a string, the report stays valid

        // The bytes are in the file as written, not re-encoded (only names use JSON escapes for astral characters).
        using var stream = File.OpenRead(path);
        using var text = new StreamReader(stream);
        var firstLines = string.Concat(Enumerable.Range(0, 6).Select(_ => text.ReadLine()));
        Assert.Contains("\"🦄 𝄞 Zoë\"", firstLines, StringComparison.Ordinal);
        Assert.Contains(":1e400,", firstLines, StringComparison.Ordinal);
        Assert.Contains(":-0.0E+00,", firstLines, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_deeper_than_the_limit_are_kept_as_text()
    {
        var tooDeep = new string('[', ReportWriter.ValueMaxDepth + 1) + new string(']', ReportWriter.ValueMaxDepth + 1);
        var path = Write(Dir, w => w.Add(new InvalidValue("u", ContextType.Service, null, tooDeep, "deep")));
        Assert.Equal(JsonSerializer.Serialize(tooDeep), Assert.Single(ReportReader.ReadEntries(path)).Value);
    }

    private static bool CanCreateFileIn(string directory)
    {
        var probe = Path.Combine(directory, "probe");
        try
        {
            File.WriteAllText(probe, "x");
            File.Delete(probe);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
