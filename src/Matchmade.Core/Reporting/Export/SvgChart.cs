using System.Globalization;
using static Matchmade.Core.Reporting.Export.PageText;

namespace Matchmade.Core.Reporting.Export;

/// <summary>One bar: its label, its length, the figure written after it, and a tooltip.</summary>
public sealed record Bar(string Label, long Value, string? Note = null);

/// <summary>Horizontal bar charts as inline SVG (no script, no external font or image): they print and work offline.</summary>
internal static class SvgChart
{
    private const int Width = 760, LabelWidth = 230, FigureWidth = 190, Row = 22, Top = 6;
    private static readonly string[] Palette = ["#3b6ea8", "#c0692b", "#4f8f5b", "#8a5a9e", "#b0403f", "#2f8f8f", "#8c7a2a"];

    public static void Write(TextWriter w, string id, IReadOnlyList<Bar> bars, string? restLabel, long restValue)
    {
        var rows = bars.ToList();
        if (restValue > 0 && restLabel is not null)
        {
            rows.Add(new Bar(restLabel, restValue));
        }

        var max = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(b => b.Value));
        var height = Top * 2 + rows.Count * Row;
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\">"));
        w.Write($"<title id=\"{id}-title\">{Html(id)}</title>");
        var area = Width - LabelWidth - FigureWidth;
        for (var i = 0; i < rows.Count; i++)
        {
            var bar = rows[i];
            var y = Top + (i * Row);
            var length = bar.Value == 0 ? 0 : Math.Max(2, (int)Math.Round((double)bar.Value / max * area));
            var color = i == bars.Count ? "#9a9a9a" : Palette[i % Palette.Length];
            var label = ReportAggregate.Cut(bar.Label, 34);
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<g data-bar=\"{Html(bar.Label)}\" data-value=\"{bar.Value}\"><title>{Html(bar.Label)}: {Number(bar.Value)}{(bar.Note is null ? string.Empty : " (" + Html(bar.Note) + ")")}</title>"));
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<text x=\"{LabelWidth - 8}\" y=\"{y + 15}\" text-anchor=\"end\" class=\"lbl\">{Html(label)}</text>"));
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<rect x=\"{LabelWidth}\" y=\"{y + 3}\" width=\"{length}\" height=\"{Row - 6}\" rx=\"2\" fill=\"{color}\"/>"));
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<text x=\"{LabelWidth + length + 6}\" y=\"{y + 15}\" class=\"fig\">{Number(bar.Value)}{(bar.Note is null ? string.Empty : " · " + Html(ReportAggregate.Cut(bar.Note, 28)))}</text></g>"));
        }

        w.Write("</svg>");
    }

    /// <summary>
    /// A timeline: users/s of each point (y) at the time its batches ended (x, seconds since the run started, up to
    /// <paramref name="runSeconds"/> when known), a line through them and a dot per point carrying its figures.
    /// </summary>
    public static void WriteTimeline(TextWriter w, string id, IReadOnlyList<ReportBatch> points, double runSeconds)
    {
        const int Height = 240, Left = 72, Right = 18, Top = 24, Bottom = 40;
        const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;
        var xMax = Math.Max(Math.Max(runSeconds, points.Max(p => p.End)), 0.001);
        var yMax = Nice(points.Max(p => p.UsersPerSecond));
        string X(double seconds) => (Left + (seconds / xMax * PlotWidth)).ToString("0.#", CultureInfo.InvariantCulture);
        string Y(double rate) => (Top + PlotHeight - (rate / yMax * PlotHeight)).ToString("0.#", CultureInfo.InvariantCulture);
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" id=\"{id}\" role=\"img\" aria-labelledby=\"{id}-title\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"));
        w.Write($"<title id=\"{id}-title\">{Html(id)}: users/s per batch over the run</title>");
        for (var k = 0; k <= 4; k++)
        {
            var rate = yMax * k / 4;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<line x1=\"{Left}\" y1=\"{Y(rate)}\" x2=\"{Width - Right}\" y2=\"{Y(rate)}\" stroke=\"{(k == 0 ? "#8c959f" : "#d0d7de")}\"/><text x=\"{Left - 6}\" y=\"{Y(rate)}\" dy=\"4\" text-anchor=\"end\" class=\"lbl\">{Number((long)Math.Round(rate))}</text>"));
        }

        for (var k = 0; k <= 4; k++)
        {
            var seconds = xMax * k / 4;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<text x=\"{X(seconds)}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\" class=\"lbl\">{seconds:0.#} s</text>"));
        }

        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"<text x=\"{Left}\" y=\"{Top - 12}\" class=\"fig\">users/s</text><text x=\"{Width - Right}\" y=\"{Height - 4}\" text-anchor=\"end\" class=\"fig\">seconds since the run started</text>"));
        w.Write($"<polyline fill=\"none\" stroke=\"{Palette[0]}\" stroke-width=\"1.5\" points=\"{string.Join(' ', points.Select(p => X(p.End) + "," + Y(p.UsersPerSecond)))}\"/>");
        var radius = points.Count > 200 ? "1.5" : "3";
        foreach (var p in points)
        {
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<circle cx=\"{X(p.End)}\" cy=\"{Y(p.UsersPerSecond)}\" r=\"{radius}\" fill=\"{Palette[0]}\" data-end=\"{p.End:0.###}\" data-seconds=\"{p.Seconds:0.###}\" data-users=\"{p.Users}\" data-batches=\"{p.Batches}\">"));
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"<title>{(p.Batches == 1 ? "batch" : Number(p.Batches) + " batches")} ending at {p.End:N1} s: {Number(p.Users)} users in {p.Seconds:N2} s, {p.UsersPerSecond:N0} users/s</title></circle>"));
        }

        w.Write("</svg>");
    }

    /// <summary>The smallest 1, 2 or 5 × 10^k at least <paramref name="value"/> (an axis' top).</summary>
    internal static double Nice(double value)
    {
        if (value <= 0 || !double.IsFinite(value))
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2, 5, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }
}
