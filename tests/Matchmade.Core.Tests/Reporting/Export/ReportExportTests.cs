using System.Globalization;
using System.Text.RegularExpressions;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Reporting.Export;
using Matchmade.Tests.Shared;

namespace Matchmade.Core.Tests.Reporting.Export;

/// <summary>The page says what the report says, shows hostile data as text, and references nothing outside itself.</summary>
public sealed partial class ReportExportTests : ReportFiles
{
    internal const string Script = "<script>alert(1)</script>";
    internal const string ImgOnError = "\"><img src=x onerror=alert(2)>";
    internal const string Bidi = "gpj.\u202Eexe";

    private static readonly ReportBatch[] Timeline = [new(1.5, 1.25, 3, 1), new(2.75, 1.2, 4, 1), new(3.1, 0.35, 1, 1)];

    [Fact]
    public void The_figures_on_the_page_equal_the_reports_counts()
    {
        var report = Write(Dir, Sample);
        var page = Export(report, "page.html");
        var header = ReportReader.ReadHeader(report);
        var figures = Figures(page);
        foreach (var name in new[] { "usersTotal", "usersMigrated", "usersSkipped", "usersFailed", "profilesWritten", "contextIntentsWritten", "conflicts", "unmappedFields", "unmappedKeys", "invalidValues", "errors" })
        {
            Assert.Equal(header.Count(name), figures[name]);
        }

        Assert.Equal((3L, 2L, 3L, 2L, 2L), (header.Count("conflicts"), header.Count("unmappedFields"), header.Count("unmappedKeys"), header.Count("invalidValues"), header.Count("errors")));
        Assert.Equal(2, figures["usersWithConflicts"]); // u1 has two conflicting fields, u2 one
        // The charts: one bar per field with its count; the unmapped chart counts users.
        Assert.Equal(2, Bar(page, "chart-conflicts", "location"));
        Assert.Equal(1, Bar(page, "chart-conflicts", "beliefs.religion"));
        Assert.Equal(2, Bar(page, "chart-unmapped", "intent"));
        Assert.Equal(1, Bar(page, "chart-invalid", "coreValues (string)"));
        Assert.Equal(1, Bar(page, "chart-invalid", "(whole blob) (array)"));
        // 2 users with conflicts of 7 migrated: 28.57% is over 5%; the counts add up; errors fail; integrity unknown.
        Assert.Equal("fail", Verdict(page, "conflict-rate"));
        Assert.Equal("pass", Verdict(page, "nothing-lost"));
        Assert.Equal("fail", Verdict(page, "errors"));
        Assert.Equal("unknown", Verdict(page, "integrity"));
        Assert.Contains("28.57%", page, StringComparison.Ordinal);
    }

    [Fact]
    public void The_contexts_per_type_and_the_batches_the_report_records_are_drawn_and_tabled()
    {
        var report = WriteWithFigures(Sample);
        var counts = ReportReader.ReadHeader(report).ToCounts();
        Assert.Equal(Timeline, counts.Batches);

        var page = Export(report, "page.html");
        foreach (var (type, n) in counts.ContextsByType!)
        {
            Assert.Equal(n, Bar(page, "chart-contexts", type));
        }

        Assert.Equal(counts.ContextIntentsWritten, counts.ContextsByType!.Values.Sum());
        var svg = Regex.Match(page, "<svg[^>]*id=\"chart-throughput\".*?</svg>", RegexOptions.Singleline).Value;
        var points = Regex.Matches(svg, "data-end=\"([0-9.]+)\" data-seconds=\"([0-9.]+)\" data-users=\"(\\d+)\" data-batches=\"(\\d+)\"")
            .Select(m => new ReportBatch(D(m.Groups[1].Value), D(m.Groups[2].Value), long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture)));
        Assert.Equal(counts.Batches, points);
        var figures = Figures(page);
        Assert.Equal((3L, 8L), (figures["batches"], figures["batchUsers"]));
        Assert.DoesNotContain("Not recorded", page, StringComparison.Ordinal);

        var markdown = Export(report, "page.md");
        Assert.Contains("| romantic | 5 | 41.67% |", markdown, StringComparison.Ordinal);
        Assert.Contains("| service | 0 | 0% |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 0.0 – 1.5 | 1 | 3 | 2 |", markdown, StringComparison.Ordinal); // 3 users in 1.25 s
        Assert.Contains("| 2.8 – 3.1 | 1 | 1 | 3 |", markdown, StringComparison.Ordinal);
        Assert.Contains("slowest 2, median 3, fastest 3", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_timeline_reads_back_from_the_header_line_and_draws_a_dot_per_point()
    {
        using var writer = ReportWriter.Create(Dir, Start);
        Sample(writer);
        var timeline = Enumerable.Range(1, BatchTimeline.MaxPoints).Select(i => new ReportBatch(i * 0.25, (200 + (i % 7 * 10)) / 1000.0, 5000 + i, 2)).ToArray();
        var report = writer.Complete(Run(), Counts(writer) with { Batches = timeline });
        Assert.Single(File.ReadLines(report), l => l.Contains("\"batches\":[", StringComparison.Ordinal) && l.StartsWith("{\"schemaVersion\"", StringComparison.Ordinal));
        Assert.Equal(timeline, ReportReader.ReadHeader(report).ToCounts().Batches);
        Assert.Equal(10, ReportReader.ReadEntries(report).Count()); // the findings after the header read as before
        var page = Export(report, "page.html");
        Assert.Equal(BatchTimeline.MaxPoints, Regex.Count(page, "<circle "));
        Assert.Equal(2L * BatchTimeline.MaxPoints, Figures(page)["batches"]);
        Assert.Contains("each point is 2 adjacent batches", page, StringComparison.Ordinal);
        Assert.Contains("id=\"contexts-not-recorded\"", page, StringComparison.Ordinal); // one field without the other
    }

    [Fact]
    public void A_report_without_contexts_per_type_and_batches_says_they_are_not_recorded()
    {
        var report = Write(Dir, Sample); // as a module before these fields wrote it
        var counts = ReportReader.ReadHeader(report).ToCounts();
        Assert.Null(counts.ContextsByType);
        Assert.Null(counts.Batches);
        var page = Export(report, "page.html");
        Assert.Contains("id=\"contexts-not-recorded\">Not recorded", page, StringComparison.Ordinal);
        Assert.Contains("id=\"throughput-not-recorded\">Not recorded", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"chart-contexts\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"chart-throughput\"", page, StringComparison.Ordinal);
        var markdown = Export(report, "page.md");
        Assert.Contains("## Contexts per type\n\nNot recorded in this report (only the total: 12 ContextIntent rows).", markdown, StringComparison.Ordinal);
        Assert.Contains("## Batch throughput\n\nNot recorded in this report.", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_that_disagree_with_the_lists_fail_the_nothing_lost_verdict()
    {
        using var writer = ReportWriter.Create(Dir, Start);
        Sample(writer);
        var report = writer.Complete(Run(), Counts(writer) with { Conflicts = 4 });
        Assert.Equal("fail", Verdict(Export(report, "page.html"), "nothing-lost"));
    }

    [Fact]
    public void Skipped_integrity_checks_give_no_verdict_and_failed_ones_fail()
    {
        using var writer = ReportWriter.Create(Dir, Start);
        Sample(writer);
        var report = writer.Complete(Run(), Counts(writer));
        string Integrity(IntegritySummary summary)
        {
            var path = Path.Combine(Dir, "integrity.html");
            ReportExporter.Export(report, path, ReportExportFormat.Html, new ExportOptions { Integrity = summary }, overwrite: true);
            return Verdict(File.ReadAllText(path), "integrity");
        }

        Assert.Equal("pass", Integrity(new(5, [])));
        Assert.Equal("unknown", Integrity(new(5, [], ["Reconciliation", "NothingLost"]))); // the archive removed: not proven, not failed
        Assert.Equal("fail", Integrity(new(5, ["Schema"], ["Reconciliation"])));
    }

    [Fact]
    public void Hostile_values_render_as_text()
    {
        var report = WriteWithFigures(w =>
        {
            w.Add(new Conflict(Script, ImgOnError, [new(ContextType.Romantic, Json(Script)), new(ContextType.Friendship, Json(Bidi))], Json(Script)));
            w.Add(new UnmappedField(ImgOnError, ContextType.Romantic, Script, Json(ImgOnError)));
            w.Add(new UnmappedField(ImgOnError, ContextType.Romantic, Bidi + "|x*_[a](b)", Json(Bidi)));
            w.Add(new InvalidValue(Bidi, ContextType.Creative, Script, Json(ImgOnError), "expected array, found string " + Script));
            w.AddError(new RunError(Script, ImgOnError, Bidi));
        });
        foreach (var (page, script) in new[] { (Export(report, "page.html"), "&lt;script&gt;alert(1)&lt;/script&gt;"), (Export(report, "page.md"), "&lt;script&gt;alert\\(1\\)&lt;/script&gt;") })
        {
            Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", page, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\u202E", page, StringComparison.Ordinal);
            Assert.Contains("U+202E", page, StringComparison.Ordinal);
            Assert.Contains(script, page, StringComparison.Ordinal);
        }

        var html = Export(report, "page.html");
        Assert.Contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;", html, StringComparison.Ordinal);
        // Every element the page has is one the writer made: no attribute outside the page's own small set.
        foreach (Match tag in Tag().Matches(html))
        {
            foreach (Match attribute in Attribute().Matches(tag.Groups["attrs"].Value))
            {
                Assert.Contains(attribute.Groups["name"].Value, AllowedAttributes);
            }
        }

        var markdown = Export(report, "page.md");
        Assert.Contains("gpj.\\[U+202E\\]exe\\|x\\*\\_\\[a\\]\\(b\\)", markdown, StringComparison.Ordinal);
        Assert.All(markdown.Split('\n').Where(l => l.StartsWith('|')), line => Assert.Equal(line.Split(" | ").Length, UnescapedPipes(line)));
    }

    [Fact]
    public void Mentions_and_links_in_the_data_stay_plain_text_in_markdown_and_the_html_keeps_them_as_they_are()
    {
        const string Mention = "@octocat";
        const string Links = "see https://evil.example/x, HTTP://evil.example/y, www.evil.example and bob@example.com, fixes #123";
        var report = WriteWithFigures(w =>
        {
            w.Add(new Conflict("u1", "location", [new(ContextType.Romantic, Json(Mention)), new(ContextType.Friendship, Json(Links))], Json(Mention)));
            w.Add(new UnmappedField("u1", ContextType.Romantic, Mention, Json(Links)));
            w.AddError(new RunError(Mention, "UserWriteFailed", Links));
        });

        var markdown = Export(report, "page.md");
        // GitHub mentions, autolinks and e-mail links need '@', '://' or 'www.' unbroken; a zero-width space entity breaks them, and renders as nothing.
        Assert.DoesNotMatch("@(?!&#8203;)", markdown);
        Assert.DoesNotContain("://", markdown, StringComparison.Ordinal);
        Assert.DoesNotMatch("(?i)www\\.", markdown);
        Assert.DoesNotMatch("(?<!&)#[0-9]", markdown); // an issue or pull request reference (not the entity &#8203; itself)
        Assert.Contains("| @&#8203;octocat |", markdown, StringComparison.Ordinal);
        Assert.Contains("https:&#8203;//evil.example/x, HTTP:&#8203;//evil.example/y, www&#8203;.evil.example and bob@&#8203;example.com, fixes #&#8203;123", markdown, StringComparison.Ordinal);
        Assert.All(markdown.Split('\n').Where(l => l.StartsWith('|')), line => Assert.Equal(line.Split(" | ").Length, UnescapedPipes(line)));

        var html = Export(report, "page.html");
        Assert.DoesNotContain("&#8203;", html, StringComparison.Ordinal);
        Assert.Contains(Mention, html, StringComparison.Ordinal);
        Assert.Contains(PageText.Html(Links), html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_itself_is_never_replaced_by_its_page_even_with_overwrite()
    {
        var report = Write(Dir, Sample);
        var before = File.ReadAllBytes(report);
        var elsewhere = Directory.CreateTempSubdirectory("mm-report-link-").FullName;
        try
        {
            // The same file by another name: a '.' in the path, and a folder that is a symbolic link to the report's.
            var linked = Directory.CreateSymbolicLink(Path.Combine(elsewhere, "reports"), Dir).FullName;
            var name = Path.GetFileName(report);
            foreach (var page in new[] { report, Path.Combine(Dir, ".", name), Path.Combine(linked, name) })
            {
                foreach (var format in new[] { ReportExportFormat.Html, ReportExportFormat.Markdown })
                {
                    var e = Assert.Throws<MatchmadeException>(() => ReportExporter.Export(report, page, format, new ExportOptions(), overwrite: true));
                    Assert.Equal("ExportExists", e.ErrorId);
                    Assert.Contains("is the report itself", e.Message, StringComparison.Ordinal);
                }
            }

            Assert.Equal(before, File.ReadAllBytes(report));
            Assert.Equal([report], Directory.GetFiles(Dir)); // no page, no temp file
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public void The_page_references_nothing_outside_itself()
    {
        var page = Export(WriteWithFigures(Sample), "page.html");
        Assert.DoesNotMatch("(?i)https?://", page);
        Assert.DoesNotMatch("(?i)\\b(src|href|action|formaction|xlink:href)\\s*=", page);
        Assert.DoesNotMatch("(?i)url\\(|@import|<script|<link|<iframe|<object|<embed", page);
        Assert.Contains("Content-Security-Policy\" content=\"default-src 'none'", page, StringComparison.Ordinal);
        Assert.Contains("@media print", page, StringComparison.Ordinal);
        Assert.Equal(5, Regex.Matches(page, "<figure class=\"panel\"").Count);
    }

    [Fact]
    public void RedactValues_hides_values_and_keeps_the_rest()
    {
        var report = Write(Dir, Sample);
        var path = Path.Combine(Dir, "redacted.html");
        ReportExporter.Export(report, path, ReportExportFormat.Html, new ExportOptions { RedactValues = true }, overwrite: false);
        var page = File.ReadAllText(path);
        Assert.DoesNotContain("San Francisco", page, StringComparison.Ordinal);
        Assert.DoesNotContain("long-term", page, StringComparison.Ordinal);
        Assert.Contains("[redacted]", page, StringComparison.Ordinal);
        Assert.Contains("intent", page, StringComparison.Ordinal);
        Assert.Contains("u1", page, StringComparison.Ordinal);
    }

    [Fact]
    public void A_redacted_report_still_gives_the_invalid_values_json_type_from_the_reason()
    {
        var report = Write(Dir, Sample, redact: true);
        var page = Export(report, "page.html");
        Assert.Equal(1, Bar(page, "chart-invalid", "coreValues (string)"));
        Assert.DoesNotContain("San Francisco", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Top_tables_count_the_rest_and_full_lists_are_capped()
    {
        var report = Write(Dir, w =>
        {
            for (var i = 0; i < 40; i++)
            {
                w.Add(new UnmappedField($"u{i:D3}", ContextType.Romantic, $"key{i % 20:D2}", "1"));
            }
        });
        var path = Path.Combine(Dir, "capped.html");
        var outcome = ReportExporter.Export(report, path, ReportExportFormat.Html, new ExportOptions { TopN = 5, ListCap = 7 }, overwrite: false);
        var page = File.ReadAllText(path);
        Assert.Equal(40, outcome.Findings);
        Assert.Matches("data-more-keys=\"15\" data-more-findings=\"30\"", page);
        Assert.Contains("the first 7 of 40", page, StringComparison.Ordinal);
        Assert.Matches("id=\"list-unmapped\" data-rows=\"7\"", page);
    }

    [Fact]
    public void An_existing_page_is_kept_unless_overwrite_is_asked_for()
    {
        var report = Write(Dir, Sample);
        var path = Path.Combine(Dir, "page.md");
        File.WriteAllText(path, "mine");
        var e = Assert.Throws<MatchmadeException>(() => ReportExporter.Export(report, path, ReportExportFormat.Markdown, new ExportOptions(), overwrite: false));
        Assert.Equal("ExportExists", e.ErrorId);
        Assert.Equal("mine", File.ReadAllText(path));
        var outcome = ReportExporter.Export(report, path, ReportExportFormat.Markdown, new ExportOptions(), overwrite: true);
        Assert.StartsWith("# Migration report", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(new FileInfo(path).Length, outcome.Bytes);
        Assert.Equal(10, outcome.Findings); // 3 conflicts, 3 unmapped keys, 2 invalid values, 2 errors
        Assert.Equal("ExportPathNotWritable", Assert.Throws<MatchmadeException>(() =>
            ReportExporter.Export(report, Path.Combine(Dir, "missing", "p.html"), ReportExportFormat.Html, new ExportOptions(), overwrite: false)).ErrorId);
        Assert.Equal(2, Directory.GetFiles(Dir).Length); // the report and the page: no temp file left
    }

    [BrowserFact]
    public void The_page_renders_in_a_real_browser()
    {
        var report = WriteWithFigures(w =>
        {
            Sample(w);
            w.Add(new UnmappedField(Script, ContextType.Service, ImgOnError, Json(Bidi)));
        });
        var page = Path.Combine(Dir, "page.html");
        ReportExporter.Export(report, page, ReportExportFormat.Html, new ExportOptions(), overwrite: false);
        var (width, height, rows) = Browser.DecodePng(Browser.Screenshot(page, 1280, 3000));
        Assert.Equal((1280, 3000), (width, height));
        var (first, last, ink) = Browser.Content(rows);
        Assert.InRange(first, 0, 100); // the title at the top
        Assert.InRange(last, 1500, height - 1); // run, criteria, counts, five charts and the tables: a long page
        Assert.InRange(ink, 0.01, 0.5); // text and bars, on a mostly white page
    }

    /// <summary>A report as this module writes it: with contexts per type (12 in all, as <see cref="ReportFiles.Counts"/> says) and three batches.</summary>
    private string WriteWithFigures(Action<ReportWriter> findings)
    {
        using var writer = ReportWriter.Create(Dir, Start);
        findings(writer);
        return writer.Complete(Run(), Counts(writer) with { ContextsByType = ReportFigures.ContextsByType([5, 4, 2, 1, 0]), Batches = Timeline });
    }

    internal static void Sample(ReportWriter w)
    {
        w.Add(new Conflict("u1", "location", [new(ContextType.Romantic, "\"San Francisco\""), new(ContextType.Friendship, "\"New York\"")], "\"San Francisco\""));
        w.Add(new Conflict("u1", "beliefs.religion", [new(ContextType.Romantic, "\"catholic\""), new(ContextType.Friendship, "\"buddhist\"")], "\"catholic\""));
        w.Add(new UnmappedField("u1", ContextType.Romantic, "intent", "\"long-term\""));
        w.Add(new UnmappedField("u1", ContextType.Romantic, "preferences", "[\"hiking\",\"jazz\"]"));
        w.Add(new Conflict("u2", "location", [new(ContextType.Romantic, "\"Oslo\""), new(ContextType.Professional, "\"Bergen\"")], "\"Oslo\""));
        w.Add(new UnmappedField("u2", ContextType.Friendship, "intent", "\"casual\""));
        w.Add(new InvalidValue("u3", ContextType.Professional, "coreValues", "\"honesty\"", "expected array, found string"));
        w.Add(new InvalidValue("u3", ContextType.Creative, null, "[1,2]", "the blob is a JSON array, not an object; nothing of it was migrated"));
        w.AddError(new RunError("u4", "UserWriteFailed", "duplicate key value violates unique constraint (SQLSTATE 23505)"));
        w.AddError(new RunError(null, "ConnectionLost", "Batch 12 of the migration lost its connection"));
    }

    internal static Dictionary<string, long> Figures(string page) => FigureAttr().Matches(page)
        .ToDictionary(m => m.Groups["name"].Value, m => long.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static readonly HashSet<string> AllowedAttributes =
    [
        "lang", "charset", "http-equiv", "content", "name", "class", "id", "data-figure", "data-value", "data-verdict", "data-state", "role",
        "aria-labelledby", "width", "height", "viewBox", "data-bar", "x", "y", "text-anchor", "rx", "fill", "colspan", "data-more-keys",
        "data-more-findings", "data-rows", "x1", "y1", "x2", "y2", "stroke", "stroke-width", "dy", "points", "cx", "cy", "r", "data-end",
        "data-seconds", "data-users", "data-batches",
    ];

    private static long Bar(string page, string chart, string label)
    {
        var svg = Regex.Match(page, $"<svg[^>]*id=\"{chart}\".*?</svg>", RegexOptions.Singleline).Value;
        var bar = Regex.Match(svg, $"data-bar=\"{Regex.Escape(PageText.Html(label))}\" data-value=\"(\\d+)\"");
        Assert.True(bar.Success, $"no bar '{label}' in {chart}");
        return long.Parse(bar.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Verdict(string page, string id) => Regex.Match(page, $"data-verdict=\"{id}\" data-state=\"(\\w+)\"").Groups[1].Value;

    private static int UnescapedPipes(string line) => Regex.Matches(line, "(?<!\\\\)\\|").Count - 1;

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private string Export(string report, string name)
    {
        var path = Path.Combine(Dir, name);
        ReportExporter.Export(report, path, ReportExporter.FormatOf(path)!.Value, new ExportOptions(), overwrite: true);
        return File.ReadAllText(path);
    }

    [GeneratedRegex("data-figure=\"(?<name>\\w+)\" data-value=\"(?<value>-?\\d+)\"")]
    private static partial Regex FigureAttr();

    [GeneratedRegex("<(?!!)/?[a-zA-Z][a-zA-Z0-9-]*(?<attrs>[^>]*)>")]
    private static partial Regex Tag();

    [GeneratedRegex("(?<name>[a-zA-Z][a-zA-Z0-9:-]*)\\s*=\\s*\"")]
    private static partial Regex Attribute();
}
