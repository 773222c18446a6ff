using System.Globalization;
using static Matchmade.Core.Reporting.Export.PageText;

namespace Matchmade.Core.Reporting.Export;

/// <summary>The same summary, verdicts and top tables as <see cref="HtmlPage"/>, as Markdown for a ticket or a PR (no charts, no full lists).</summary>
public static class MarkdownPage
{
    public static void Write(TextWriter w, ReportAggregate a, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(a);
        var run = a.Run;
        var c = a.Counts;
        w.Write($"# Migration report: {Markdown(run.Database)} \\[{Markdown(run.Schema)}\\]\n\n");
        w.Write($"**{Markdown(run.Status)}** · {Markdown(run.Mode == "DryRun" ? "dry run (-WhatIf): nothing was written" : run.Mode + " run")} · started {HtmlPage.Time(run.StartedAt)} · finished {HtmlPage.Time(run.FinishedAt)}\n\n");
        Table(w, ["", ""],
        [
            ["Run id", run.RunId.ToString()], ["Server", run.Server], ["Database", run.Database], ["Schema", run.Schema],
            ["Module version", run.ModuleVersion], ["Rules fingerprint", run.RulesFingerprint],
            ["Parameters", string.Join(", ", run.Parameters.Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={kv.Value}"))],
            ["Message", run.Message ?? "—"],
        ]);

        w.Write("## Success criteria\n\n");
        Table(w, ["Criterion", "Verdict", "Figure"],
            [.. Verdicts.Judge(a).Select(v => new[] { v.Criterion, v.State == VerdictState.Unknown ? "not known" : v.State == VerdictState.Pass ? "PASS" : "FAIL", v.Figure })]);

        w.Write("## Counts\n\n");
        Table(w, ["", "count"],
        [
            ["users in scope", Number(c.UsersTotal)], ["users migrated", Number(c.UsersMigrated)], ["users skipped", Number(c.UsersSkipped)],
            ["users failed", Number(c.UsersFailed)], ["ProfileNew rows", Number(c.ProfilesWritten)], ["ContextIntent rows", Number(c.ContextIntentsWritten)],
            ["conflicts", Number(c.Conflicts)], ["users with a conflict", Number(a.UsersWithConflicts)], ["blobs with unmapped keys", Number(c.UnmappedFields)],
            ["unmapped keys", Number(c.UnmappedKeys)], ["invalid values", Number(c.InvalidValues)], ["errors", Number(c.Errors)],
        ]);

        Contexts(w, a);
        Throughput(w, a);
        var n = a.Options.TopN;
        Top(w, "Conflicts by field", ["Field", "Conflicts", "Users", "Example (candidates)"], a.ConflictsByField, n, i => [i.Key, Number(i.Count), Number(i.Users), i.Example ?? string.Empty]);
        Top(w, "Unmapped keys", ["Key", "Users", "Blobs", "Example value"], a.UnmappedByKey, n, byUsers: true, i => [i.Key, Number(i.Users), Number(i.Count), i.Example ?? string.Empty]);
        Top(w, "Invalid values by field and JSON type", ["Field (JSON type found)", "Values", "Users", "Example value"], a.InvalidByFieldAndType, n,
            i => [HtmlSections.FieldAndType(i.Key), Number(i.Count), Number(i.Users), i.Example ?? string.Empty]);
        Top(w, "Errors by id", ["Error id", "Errors", "Users", "First user"], a.ErrorsById, n, i => [i.Key, Number(i.Count), Number(i.Users), i.ExampleUser ?? "(the run)"]);
        w.Write($"_Written by Export-MigrationReport (Matchmade {Markdown(Core.Connection.DatabaseTarget.ModuleVersion)}) at {HtmlPage.Time(generatedAt)}. The full lists: Get-MigrationReport._\n");
    }

    private static void Contexts(TextWriter w, ReportAggregate a)
    {
        w.Write("## Contexts per type\n\n");
        if (a.Counts.ContextsByType is not { } byType)
        {
            w.Write($"{RunCharts.NotRecorded} in this report (only the total: {Number(a.Counts.ContextIntentsWritten)} ContextIntent rows).\n\n");
            return;
        }

        var sum = byType.Values.Sum();
        Table(w, ["Context type", "ContextIntent rows", "share"], [.. byType.Select(t => new[] { t.Key, Number(t.Value), sum > 0 ? Percent((double)t.Value / sum) : "—" })]);
    }

    /// <summary>The batch timeline as a few consecutive segments of the run (a small table instead of the chart).</summary>
    private static void Throughput(TextWriter w, ReportAggregate a)
    {
        w.Write("## Batch throughput\n\n");
        var timeline = Export.Throughput.Of(a.Counts.Batches);
        if (timeline is null || timeline.Points.Count == 0)
        {
            w.Write($"{(timeline is null ? RunCharts.NotRecorded + " in this report." : "No batch was committed.")} {Markdown(RunCharts.Overall(a))}\n\n");
            return;
        }

        Table(w, ["Seconds into the run", "Batches", "Users", "Users/s per batch"],
        [
            .. timeline.Segments(10).Select(s => new[]
            {
                string.Create(CultureInfo.InvariantCulture, $"{s.Start:N1} – {s.Segment.End:N1}"), Number(s.Segment.Batches), Number(s.Segment.Users),
                Number((long)Math.Round(s.Segment.UsersPerSecond)),
            }),
        ]);
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"Users/s per batch: slowest {timeline.Slowest:N0}, median {timeline.Median:N0}, fastest {timeline.Fastest:N0} (per worker). {Markdown(RunCharts.Overall(a))}\n\n"));
    }

    private static void Top(TextWriter w, string title, string[] headers, Tally tally, int n, Func<TallyItem, string[]> cells) =>
        Top(w, title, headers, tally, n, byUsers: false, cells);

    private static void Top(TextWriter w, string title, string[] headers, Tally tally, int n, bool byUsers, Func<TallyItem, string[]> cells)
    {
        var (top, rest, keys) = tally.Top(n, byUsers);
        w.Write($"## {title}\n\n");
        if (top.Count == 0)
        {
            w.Write("None.\n\n");
            return;
        }

        Table(w, headers, [.. top.Select(cells)], trailingNewline: keys == 0 && tally.UntrackedFindings == 0);
        if (keys > 0 || tally.UntrackedFindings > 0)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture, $"\n_{Markdown(HtmlSections.More(keys, "keys", tally))}, with {rest:N0} findings._\n\n"));
        }
    }

    private static void Table(TextWriter w, string[] headers, IReadOnlyList<string[]> rows, bool trailingNewline = true)
    {
        w.Write("| " + string.Join(" | ", headers.Select(h => Markdown(h))) + " |\n");
        w.Write("|" + string.Concat(headers.Select(_ => " --- |")) + "\n");
        foreach (var row in rows)
        {
            w.Write("| " + string.Join(" | ", row.Select(cell => Markdown(cell))) + " |\n");
        }

        if (trailingNewline)
        {
            w.Write('\n');
        }
    }
}
