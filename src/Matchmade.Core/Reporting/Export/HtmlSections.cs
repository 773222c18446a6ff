using System.Globalization;
using static Matchmade.Core.Reporting.Export.PageText;

namespace Matchmade.Core.Reporting.Export;

/// <summary>The charts and tables of <see cref="HtmlPage"/>.</summary>
internal static class HtmlSections
{
    public static void Charts(TextWriter w, ReportAggregate a)
    {
        var n = a.Options.TopN;
        w.Write("<section id=\"charts\"><h2>Charts</h2>");
        RunCharts.Contexts(w, a);

        var (conflicts, _, conflictKeys) = a.ConflictsByField.Top(n);
        Chart(w, "chart-conflicts", "Conflicts by field", "Bars: conflicts; after them: users.",
            [.. conflicts.Select(i => new Bar(i.Key, i.Count, Users(i.Users)))], More(conflictKeys, "fields", a.ConflictsByField), "No conflicts.");

        var (unmapped, _, unmappedKeys) = a.UnmappedByKey.Top(n, byUsers: true);
        Chart(w, "chart-unmapped", "Unmapped keys by name", "Bars: users with the key; after them: one example value. These keys stay in the old Profile table: the material for deciding which fields the new model needs.",
            [.. unmapped.Select(i => new Bar(i.Key, i.Users, "e.g. " + i.Example))], More(unmappedKeys, "keys", a.UnmappedByKey), "No unmapped keys.");

        var (invalid, _, invalidKeys) = a.InvalidByFieldAndType.Top(n);
        Chart(w, "chart-invalid", "Invalid values by field and JSON type", "Bars: values of that field found with that JSON type.",
            [.. invalid.Select(i => new Bar(FieldAndType(i.Key), i.Count, Users(i.Users)))], More(invalidKeys, "fields and types", a.InvalidByFieldAndType), "No invalid values.");

        RunCharts.Throughput(w, a);
        w.Write("</section>\n");
    }

    public static void Tables(TextWriter w, ReportAggregate a)
    {
        var n = a.Options.TopN;
        w.Write("<section id=\"tables\"><h2>Tables</h2>");
        var (conflicts, conflictRest, conflictKeys) = a.ConflictsByField.Top(n);
        TopTable(w, "top-conflicts", "Conflicts by field", ["Field", "Conflicts", "Users", "Example (candidates)"],
            conflicts.Select(i => (i.Key, new[] { Number(i.Count), Number(i.Users), i.Example ?? string.Empty })), conflictKeys, conflictRest, a.ConflictsByField);

        var (unmapped, unmappedRest, unmappedKeys) = a.UnmappedByKey.Top(n, byUsers: true);
        TopTable(w, "top-unmapped", "Unmapped keys", ["Key", "Users", "Blobs", "Example value"],
            unmapped.Select(i => (i.Key, new[] { Number(i.Users), Number(i.Count), $"{i.Example} (user {i.ExampleUser})" })), unmappedKeys, unmappedRest, a.UnmappedByKey);

        var (invalid, invalidRest, invalidKeys) = a.InvalidByFieldAndType.Top(n);
        TopTable(w, "top-invalid", "Invalid values by field and JSON type", ["Field (JSON type found)", "Values", "Users", "Example value"],
            invalid.Select(i => (FieldAndType(i.Key), new[] { Number(i.Count), Number(i.Users), i.Example ?? string.Empty })), invalidKeys, invalidRest, a.InvalidByFieldAndType);

        var (errors, errorRest, errorKeys) = a.ErrorsById.Top(n);
        TopTable(w, "top-errors", "Errors by id", ["Error id", "Errors", "Users", "First user"],
            errors.Select(i => (i.Key, new[] { Number(i.Count), Number(i.Users), i.ExampleUser ?? "(the run)" })), errorKeys, errorRest, a.ErrorsById);

        FullList(w, "list-conflicts", "Conflicts", a.ConflictEntries, a.Conflicts, ["User", "Field", "Candidates", "Chosen"], r => [r.UserId, r.Field, r.Value, r.Detail]);
        FullList(w, "list-unmapped", "Unmapped keys", a.UnmappedKeys, a.Unmapped, ["User", "Context", "Key", "Value"], r => [r.UserId, r.ContextType, r.Field, r.Value]);
        FullList(w, "list-invalid", "Invalid values", a.InvalidEntries, a.Invalid, ["User", "Context", "Field", "Value", "Reason"], r => [r.UserId, r.ContextType, r.Field, r.Value, r.Detail]);
        FullList(w, "list-errors", "Errors", a.ErrorEntries, a.Errors, ["User", "Error id", "Reason"], r => [r.UserId ?? "(the run)", r.Field, r.Detail]);
        w.Write("</section>\n");
    }

    internal static string FieldAndType(string key)
    {
        var parts = key.Split(ReportAggregate.KeySeparator, 2);
        return parts.Length == 2 ? $"{parts[0]} ({parts[1]})" : key;
    }

    internal static string? More(int keys, string what, Tally tally)
    {
        var text = keys == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"and {keys:N0} more {what}");
        if (tally.UntrackedFindings > 0)
        {
            text = string.Create(CultureInfo.InvariantCulture,
                $"{text ?? "and"}{(text is null ? string.Empty : ";")} {tally.UntrackedFindings:N0} findings of further {what} beyond the first {tally.Capacity:N0} distinct ones, counted together");
        }

        return text;
    }

    private static string Users(long users) => users == 1 ? "1 user" : Number(users) + " users";

    internal static void Chart(TextWriter w, string id, string title, string legend, IReadOnlyList<Bar> bars, string? more, string empty)
    {
        w.Write($"<figure class=\"panel\" id=\"{id}-panel\"><figcaption><h3>{Html(title)}</h3><span class=\"note\">{Html(legend)}</span></figcaption>");
        if (bars.Count == 0)
        {
            w.Write($"<p class=\"empty\">{Html(empty)}</p>");
        }
        else
        {
            SvgChart.Write(w, id, bars, null, 0);
            if (more is not null)
            {
                w.Write($"<p class=\"more\">{Html(more)} (see the tables).</p>");
            }
        }

        w.Write("</figure>");
    }

    private static void TopTable(TextWriter w, string id, string title, string[] headers, IEnumerable<(string Key, string[] Cells)> rows, int moreKeys, long moreFindings, Tally tally)
    {
        w.Write($"<h3>{Html(title)}</h3><table class=\"grid\" id=\"{id}\"><thead><tr>");
        foreach (var h in headers)
        {
            w.Write($"<th>{Html(h)}</th>");
        }

        w.Write("</tr></thead><tbody>");
        var any = false;
        foreach (var (key, cells) in rows)
        {
            any = true;
            w.Write($"<tr><td><bdi>{Html(key)}</bdi></td>");
            foreach (var cell in cells)
            {
                w.Write($"<td><bdi>{Html(cell)}</bdi></td>");
            }

            w.Write("</tr>");
        }

        if (!any)
        {
            w.Write($"<tr><td colspan=\"{headers.Length}\" class=\"empty\">None.</td></tr>");
        }
        else if (moreKeys > 0 || tally.UntrackedFindings > 0)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<tr class=\"more\" data-more-keys=\"{moreKeys}\" data-more-findings=\"{moreFindings}\"><td colspan=\"{headers.Length}\">{Html(More(moreKeys, "keys", tally))}, with {Number(moreFindings)} findings</td></tr>"));
        }

        w.Write("</tbody></table>");
    }

    private static void FullList(TextWriter w, string id, string title, long total, List<FindingRow> rows, string[] headers, Func<FindingRow, string?[]> cells)
    {
        if (total == 0)
        {
            return;
        }

        var shown = rows.Count < total
            ? string.Create(CultureInfo.InvariantCulture, $"{title}: the first {rows.Count:N0} of {total:N0} (Get-MigrationReport lists them all)")
            : string.Create(CultureInfo.InvariantCulture, $"{title}: all {total:N0}");
        w.Write($"<details id=\"{id}\" data-rows=\"{rows.Count}\"><summary>{Html(shown)}</summary><table class=\"grid\"><thead><tr>");
        foreach (var h in headers)
        {
            w.Write($"<th>{Html(h)}</th>");
        }

        w.Write("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            w.Write("<tr>");
            foreach (var cell in cells(row))
            {
                w.Write($"<td><bdi>{Html(cell)}</bdi></td>");
            }

            w.Write("</tr>");
        }

        w.Write("</tbody></table></details>");
    }
}
