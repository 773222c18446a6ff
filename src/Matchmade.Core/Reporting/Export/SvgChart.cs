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
}
