using System.Globalization;
using static Matchmade.Core.Reporting.Export.PageText;

namespace Matchmade.Core.Reporting.Export;

/// <summary>
/// Writes a report's aggregate as one self-contained HTML page: inline CSS (with print rules) and inline SVG charts,
/// no script and no external resource (a Content-Security-Policy forbids any). Every piece of report data goes
/// through <see cref="PageText.Html"/> and sits in a &lt;bdi&gt;. Figures carry data-figure/data-value attributes.
/// </summary>
public static class HtmlPage
{
    public static void Write(TextWriter w, ReportAggregate a, DateTimeOffset generatedAt)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(a);
        var run = a.Run;
        w.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        w.Write("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
        w.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        w.Write($"<title>Migration report: {Html(run.Database)} [{Html(run.Schema)}] {Html(run.Mode)} {Html(run.Status)}</title>");
        w.Write("<style>");
        w.Write(HtmlStyle.Css);
        w.Write("</style></head><body>\n");
        w.Write($"<header><h1>Migration report: <bdi>{Html(run.Database)}</bdi> [<bdi>{Html(run.Schema)}</bdi>]</h1>");
        w.Write($"<p class=\"sub\"><span class=\"badge {StatusClass(run.Status)}\" data-figure=\"status\">{Html(run.Status)}</span> {Html(run.Mode == "DryRun" ? "dry run (-WhatIf): nothing was written" : run.Mode + " run")}, started {Html(Time(run.StartedAt))}");
        if (a.Options.RedactValues || a.Header.Run.TryGetProperty(ReportFormat.RunFields.Parameters, out var p) && p.TryGetProperty("redactValues", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String && r.GetString() == "true")
        {
            w.Write(" · <span class=\"badge unknown\">values redacted</span>");
        }

        w.Write("</p></header>\n");
        RunSection(w, a);
        CriteriaSection(w, a);
        CountsSection(w, a);
        HtmlSections.Charts(w, a);
        HtmlSections.Tables(w, a);
        w.Write($"<footer>Written by Export-MigrationReport (Matchmade {Html(Core.Connection.DatabaseTarget.ModuleVersion)}) at {Html(Time(generatedAt))} from <bdi>{Html(a.Header.Path)}</bdi>. The report holds personal data: share this page as you would the report.</footer>\n");
        w.Write("</body></html>\n");
    }

    internal static string Time(DateTimeOffset? t) => t is { } v ? v.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    internal static string StatusClass(string status) => status switch
    {
        "Completed" => "pass",
        "Cancelled" => "unknown",
        _ => "fail",
    };

    internal static void Figure(TextWriter w, string id, long value) =>
        w.Write(string.Create(CultureInfo.InvariantCulture, $"<span class=\"num\" data-figure=\"{id}\" data-value=\"{value}\">{Number(value)}</span>"));

    private static void RunSection(TextWriter w, ReportAggregate a)
    {
        var run = a.Run;
        var duration = run.FinishedAt is { } f ? f - run.StartedAt : (TimeSpan?)null;
        w.Write("<section id=\"run\"><h2>The run</h2><table class=\"kv\">");
        Row(w, "Run id", run.RunId.ToString());
        Row(w, "Mode", run.Mode);
        Row(w, "Status", run.Status);
        Row(w, "Server", run.Server);
        Row(w, "Database", run.Database);
        Row(w, "Schema", run.Schema);
        Row(w, "As user", run.UserName);
        Row(w, "Started", Time(run.StartedAt));
        Row(w, "Finished", Time(run.FinishedAt));
        Row(w, "Duration", duration is { } d ? d.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture) + " s" : "—");
        Row(w, "Module version", run.ModuleVersion);
        Row(w, "Rules fingerprint", run.RulesFingerprint);
        Row(w, "Parameters", string.Join(", ", run.Parameters.Where(kv => kv.Value is not null).Select(kv => $"{kv.Key}={kv.Value}")));
        if (run.Message is not null)
        {
            Row(w, "Message", run.Message);
        }

        Row(w, "Report file", a.Header.Path);
        w.Write("</table></section>\n");
    }

    private static void Row(TextWriter w, string name, string? value) =>
        w.Write($"<tr><th>{Html(name)}</th><td><bdi>{Html(value)}</bdi></td></tr>");

    private static void CriteriaSection(TextWriter w, ReportAggregate a)
    {
        w.Write("<section id=\"criteria\"><h2>Success criteria</h2><table class=\"grid\"><thead><tr><th>Criterion</th><th>Verdict</th><th>Figure</th><th>How it is judged</th></tr></thead><tbody>");
        foreach (var v in Verdicts.Judge(a))
        {
            var state = v.State.ToString().ToLowerInvariant();
            w.Write($"<tr data-verdict=\"{v.Id}\" data-state=\"{state}\"><td>{Html(v.Criterion)}</td><td><span class=\"badge {state}\">{(v.State == VerdictState.Unknown ? "not known" : state)}</span></td><td><bdi>{Html(v.Figure)}</bdi></td><td class=\"note\">{Html(v.Basis)}</td></tr>");
        }

        w.Write("</tbody></table></section>\n");
    }

    private static void CountsSection(TextWriter w, ReportAggregate a)
    {
        var c = a.Counts;
        w.Write("<section id=\"counts\"><h2>Counts</h2><div class=\"cards\">");
        Card(w, "usersTotal", "users in scope", c.UsersTotal);
        Card(w, "usersMigrated", a.Run.Mode == "DryRun" ? "users that would be migrated" : "users migrated", c.UsersMigrated);
        Card(w, "usersSkipped", "users skipped (migrated before)", c.UsersSkipped);
        Card(w, "usersFailed", "users failed", c.UsersFailed);
        Card(w, "profilesWritten", "ProfileNew rows", c.ProfilesWritten);
        Card(w, "contextIntentsWritten", "ContextIntent rows", c.ContextIntentsWritten);
        Card(w, "conflicts", "conflicts", c.Conflicts);
        Card(w, "usersWithConflicts", "users with a conflict", a.UsersWithConflicts);
        Card(w, "unmappedFields", "blobs with unmapped keys", c.UnmappedFields);
        Card(w, "unmappedKeys", "unmapped keys", c.UnmappedKeys);
        Card(w, "invalidValues", "invalid values", c.InvalidValues);
        Card(w, "errors", "errors", c.Errors);
        w.Write("</div></section>\n");
    }

    private static void Card(TextWriter w, string id, string label, long value)
    {
        w.Write("<div class=\"card\">");
        Figure(w, id, value);
        w.Write($"<span class=\"cap\">{Html(label)}</span></div>");
    }
}
