using System.Globalization;
using static Matchmade.Core.Reporting.Export.PageText;

namespace Matchmade.Core.Reporting.Export;

/// <summary>
/// The page's charts of what the run itself recorded (the report's <c>counts.contextsByType</c> and <c>counts.batches</c>);
/// a report without them (written by an older module) says "not recorded" instead of a chart.
/// </summary>
internal static class RunCharts
{
    public const string NotRecorded = "Not recorded";

    public static void Contexts(TextWriter w, ReportAggregate a)
    {
        var total = a.Counts.ContextIntentsWritten;
        if (a.Counts.ContextsByType is not { } byType)
        {
            w.Write("<figure class=\"panel\" id=\"chart-contexts-panel\"><figcaption><h3>Contexts per type</h3></figcaption>");
            w.Write($"<p class=\"empty\" id=\"contexts-not-recorded\">{NotRecorded}: this report was written by a module version that did not count ContextIntents per type (only their total, {Number(total)}).</p></figure>");
            return;
        }

        var sum = byType.Values.Sum();
        var legend = a.Run.Mode == "DryRun" ? "Bars: ContextIntent rows that would be written, per context type (the seed's context distribution)." : "Bars: ContextIntent rows written, per context type (the seed's context distribution).";
        HtmlSections.Chart(w, "chart-contexts", "Contexts per type", legend,
            [.. byType.Select(t => new Bar(t.Key, t.Value, sum > 0 ? Percent((double)t.Value / sum) : null))], null, "No contexts.");
    }

    public static void Throughput(TextWriter w, ReportAggregate a)
    {
        var timeline = Export.Throughput.Of(a.Counts.Batches);
        w.Write("<figure class=\"panel\" id=\"chart-throughput-panel\"><figcaption><h3>Batch throughput</h3>");
        if (timeline is null)
        {
            w.Write($"</figcaption><p class=\"empty\" id=\"throughput-not-recorded\">{NotRecorded}: this report was written by a module version that did not record its batches. {Html(Overall(a))}</p></figure>");
            return;
        }

        var merged = timeline.Points.Count < timeline.Batches
            ? string.Create(CultureInfo.InvariantCulture, $" The run had more batches than the report keeps points: each point is {timeline.Points[0].Batches:N0} adjacent batches.")
            : string.Empty;
        w.Write($"<span class=\"note\">Each point: a committed batch at the time it ended, and its users per second of its worker's time (reading, merging, writing). Workers run side by side (with -ThrottleLimit above 1): the run's rate is about their sum.{Html(merged)}</span></figcaption>");
        if (timeline.Points.Count == 0)
        {
            w.Write($"<p class=\"empty\">No batch was committed. {Html(Overall(a))}</p></figure>");
            return;
        }

        SvgChart.WriteTimeline(w, "chart-throughput", timeline.Points, a.Run.FinishedAt is { } f ? (f - a.Run.StartedAt).TotalSeconds : 0);
        w.Write("<p class=\"note\">Batches: ");
        HtmlPage.Figure(w, "batches", timeline.Batches);
        w.Write(" with ");
        HtmlPage.Figure(w, "batchUsers", timeline.Users);
        w.Write(string.Create(CultureInfo.InvariantCulture, $" users; users/s per batch: slowest {timeline.Slowest:N0}, median {timeline.Median:N0}, fastest {timeline.Fastest:N0}. {Html(Overall(a))}</p></figure>"));
    }

    /// <summary>The whole run's rate, from its start and end.</summary>
    internal static string Overall(ReportAggregate a)
    {
        var users = a.Counts.UsersMigrated + a.Counts.UsersFailed;
        var seconds = a.Run.FinishedAt is { } f ? (f - a.Run.StartedAt).TotalSeconds : 0;
        return seconds > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Over the whole run: {users / seconds:N0} users/s ({users:N0} users in {seconds:N1} s, preparation included).")
            : "The run has no end time, so no overall rate can be given.";
    }
}
