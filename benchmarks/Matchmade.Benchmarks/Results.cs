using System.Globalization;
using System.Text.Json;
using Matchmade.Fixtures;

/// <summary>
/// Keeps each run's figures as JSON under benchmarks/results/ (one file per shape and latency) and redraws the charts from
/// all of them: users/s against N (synthetic data, loopback: the figures older runs have) and users/s per shape and latency.
/// </summary>
internal static class Results
{
    public static string[] SummaryHeader { get; } = ["shape", "one-way latency ms", "round trip ms", "live users/s", "live s", "floor s", "live / floor", "seed-style users/s", "live / seed-style", "live peak RSS MB"];

    /// <summary>One line of the closing table from a round's rows (the live run, the floor and the seed-style baseline).</summary>
    public static string[] SummaryRow(string shape, double latencyMs, double roundTripMs, List<string[]> rows)
    {
        string[] Row(string phase) => rows.First(r => r[0] == phase);
        double Number(string text) => double.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);
        var live = Row("live run");
        var floor = Row("floor (read + COPY)");
        var seed = Row("seed-style (sample)");
        return [shape, latencyMs.ToString(CultureInfo.InvariantCulture), roundTripMs.ToString("N2", CultureInfo.InvariantCulture), live[3], live[2], floor[2],
            (Number(live[2]) / Number(floor[2])).ToString("N2", CultureInfo.InvariantCulture), seed[3],
            (Number(live[3]) / Number(seed[3])).ToString("N1", CultureInfo.InvariantCulture) + "×", live[5]];
    }

    public static void Save(int users, string shape, double latencyMs, double roundTripMs, string[] header, List<string[]> rows)
    {
        var directory = Path.Combine(RepoRoot(), "benchmarks", "results");
        Directory.CreateDirectory(directory);
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var record = new Dictionary<string, object>
        {
            ["users"] = users,
            ["utc"] = stamp,
            ["cores"] = Environment.ProcessorCount,
            ["shape"] = shape,
            ["latencyMs"] = latencyMs,
            ["roundTripMs"] = Math.Round(roundTripMs, 3),
            ["phases"] = rows.Select(r => header.Select((h, i) => (h, r[i])).ToDictionary(x => x.h, x => x.Item2)).ToList(),
        };
        // Synthetic data on loopback keeps the older files' name.
        var name = IsBaseline(shape, latencyMs) ? $"{stamp}-{users}.json" : string.Create(CultureInfo.InvariantCulture, $"{stamp}-{users}-{shape}-{latencyMs}ms.json");
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(record, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Figures saved to {path}");
        Chart(directory);
    }

    /// <summary>Redraws the charts from the JSON files already in benchmarks/results/.</summary>
    public static void Redraw() => Chart(Path.Combine(RepoRoot(), "benchmarks", "results"));

    /// <summary>Files written before shapes and latencies were measured are synthetic data on loopback.</summary>
    private static string ShapeOf(JsonElement run) => run.TryGetProperty("shape", out var s) ? s.GetString()! : DataShapes.Name(DataShape.Synthetic);

    private static double LatencyOf(JsonElement run) => run.TryGetProperty("latencyMs", out var l) ? l.GetDouble() : 0;

    private static bool IsBaseline(string shape, double latencyMs) => shape == DataShapes.Name(DataShape.Synthetic) && latencyMs == 0;

    private static double UsersPerSecond(JsonElement run, string phase) => run.GetProperty("phases").EnumerateArray().Where(x => x.GetProperty("phase").GetString() == phase)
        .Select(x => double.Parse(x.GetProperty("users/s").GetString()!, NumberStyles.Number, CultureInfo.InvariantCulture)).FirstOrDefault();

    private static void Chart(string directory)
    {
        var all = Directory.GetFiles(directory, "*.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
        UsersChart(directory, all.Where(r => IsBaseline(ShapeOf(r), LatencyOf(r))).ToList());
        ShapeChart(directory, all);
    }

    /// <summary>users/s against N for each phase, newest run per N, as a small SVG (synthetic data, loopback).</summary>
    private static void UsersChart(string directory, List<JsonElement> baseline)
    {
        var runs = baseline
            .GroupBy(r => r.GetProperty("users").GetInt32()).Select(g => g.OrderBy(r => r.GetProperty("utc").GetString()).Last()).OrderBy(r => r.GetProperty("users").GetInt32()).ToList();
        if (runs.Count == 0)
        {
            return;
        }

        string[] phases = ["dry run (-WhatIf)", "live run", "live run, 2 workers", "Test-MigrationIntegrity", "floor (read + COPY)"];
        string[] colours = ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c", "#7f7f7f"];
        var points = phases.Select(p => runs.Select(r => (N: r.GetProperty("users").GetInt32(), V: UsersPerSecond(r, p))).Where(x => x.V > 0).ToList()).ToList();
        var maxV = Math.Max(1, points.SelectMany(p => p).DefaultIfEmpty().Max(x => x.V)) * 1.1;
        var minN = Math.Log10(runs.Min(r => r.GetProperty("users").GetInt32())) - 0.2;
        var maxN = Math.Log10(runs.Max(r => r.GetProperty("users").GetInt32())) + 0.2;
        double X(int n) => 70 + (Math.Log10(n) - minN) / Math.Max(0.1, maxN - minN) * 560;
        double Y(double v) => 330 - v / maxV * 300;
        var svg = new System.Text.StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"380\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"800\" height=\"380\" fill=\"white\"/>\n");
        svg.Append("<text x=\"400\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">Matchmade: users/s against users (2 cores, PostgreSQL on the same machine)</text>\n");
        svg.Append("<line x1=\"70\" y1=\"330\" x2=\"640\" y2=\"330\" stroke=\"black\"/><line x1=\"70\" y1=\"30\" x2=\"70\" y2=\"330\" stroke=\"black\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var v = maxV * t / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"64\" y=\"{Y(v) + 4:F0}\" text-anchor=\"end\">{v:N0}</text><line x1=\"70\" y1=\"{Y(v):F0}\" x2=\"640\" y2=\"{Y(v):F0}\" stroke=\"#ddd\"/>\n");
        }

        foreach (var r in runs)
        {
            var n = r.GetProperty("users").GetInt32();
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(n):F0}\" y=\"348\" text-anchor=\"middle\">{n:N0}</text>\n");
        }

        for (var i = 0; i < phases.Length; i++)
        {
            if (points[i].Count == 0)
            {
                continue;
            }

            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{colours[i]}\" stroke-width=\"2\" points=\"{string.Join(" ", points[i].Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.N):F0},{Y(p.V):F0}")))}\"/>\n");
            foreach (var p in points[i])
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.N):F0}\" cy=\"{Y(p.V):F0}\" r=\"3\" fill=\"{colours[i]}\"/>\n");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{20 + i * 155}\" y=\"370\" fill=\"{colours[i]}\">{phases[i]}</text>\n");
        }

        File.WriteAllText(Path.Combine(directory, "users-per-second.svg"), svg.Append("</svg>\n").ToString());
    }

    /// <summary>
    /// The live run's users/s per shape (groups) and one-way latency (bars), at the N with the most shapes and latencies
    /// measured, newest run of each; a black tick marks the floor's users/s, the label under a bar the seed-style's.
    /// </summary>
    private static void ShapeChart(string directory, List<JsonElement> all)
    {
        if (!all.Any(r => r.TryGetProperty("shape", out _)))
        {
            return; // no run has measured shapes or latencies yet
        }

        // The N with the most shape/latency pairs measured (a lone 1,000,000-user synthetic run does not hide a sweep at 100,000), the largest on a tie.
        var n = all.Where(r => r.TryGetProperty("shape", out _)).GroupBy(r => r.GetProperty("users").GetInt32())
            .OrderByDescending(g => g.Select(r => (ShapeOf(r), LatencyOf(r))).Distinct().Count()).ThenByDescending(g => g.Key).First().Key;
        var runs = all.Where(r => r.GetProperty("users").GetInt32() == n).GroupBy(r => (Shape: ShapeOf(r), Latency: LatencyOf(r)))
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.GetProperty("utc").GetString()).Last());
        var shapes = DataShapes.All.Select(DataShapes.Name).Where(s => runs.Keys.Any(k => k.Shape == s)).ToList();
        var latencies = runs.Keys.Select(k => k.Latency).Distinct().Order().ToList();
        string[] colours = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];
        var maxV = Math.Max(1, runs.Values.Max(r => Math.Max(UsersPerSecond(r, "live run"), UsersPerSecond(r, "floor (read + COPY)")))) * 1.1;
        var group = 560.0 / shapes.Count;
        var bar = Math.Min(60, (group - 20) / latencies.Count);
        double Y(double v) => 330 - v / maxV * 290;
        var svg = new System.Text.StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"400\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"800\" height=\"400\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"400\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">Matchmade live run: users/s per data shape and one-way latency, {n:N0} users</text>\n");
        svg.Append("<line x1=\"70\" y1=\"330\" x2=\"640\" y2=\"330\" stroke=\"black\"/><line x1=\"70\" y1=\"30\" x2=\"70\" y2=\"330\" stroke=\"black\"/>\n");
        for (var t = 0; t <= 4; t++)
        {
            var v = maxV * t / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"64\" y=\"{Y(v) + 4:F0}\" text-anchor=\"end\">{v:N0}</text><line x1=\"70\" y1=\"{Y(v):F0}\" x2=\"640\" y2=\"{Y(v):F0}\" stroke=\"#ddd\"/>\n");
        }

        svg.Append("<text x=\"66\" y=\"344\" text-anchor=\"end\" font-size=\"9\" fill=\"#555\">seed-style</text>\n");
        for (var s = 0; s < shapes.Count; s++)
        {
            var left = 80 + s * group;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + bar * latencies.Count / 2:F0}\" y=\"362\" text-anchor=\"middle\">{shapes[s]}</text>\n");
            for (var l = 0; l < latencies.Count; l++)
            {
                if (!runs.TryGetValue((shapes[s], latencies[l]), out var run))
                {
                    continue;
                }

                var x = left + l * bar;
                var live = UsersPerSecond(run, "live run");
                var floor = UsersPerSecond(run, "floor (read + COPY)");
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x:F0}\" y=\"{Y(live):F0}\" width=\"{bar - 4:F0}\" height=\"{330 - Y(live):F0}\" fill=\"{colours[l % colours.Length]}\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F0}\" y1=\"{Y(floor):F0}\" x2=\"{x + bar - 4:F0}\" y2=\"{Y(floor):F0}\" stroke=\"black\" stroke-width=\"2\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 4) / 2:F0}\" y=\"{Y(live) - 4:F0}\" text-anchor=\"middle\" font-size=\"10\">{live:N0}</text>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (bar - 4) / 2:F0}\" y=\"344\" text-anchor=\"middle\" font-size=\"9\" fill=\"#555\">{UsersPerSecond(run, "seed-style (sample)"):N0}</text>\n");
            }
        }

        for (var l = 0; l < latencies.Count; l++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"660\" y=\"{40 + l * 20}\" width=\"12\" height=\"12\" fill=\"{colours[l % colours.Length]}\"/><text x=\"678\" y=\"{50 + l * 20}\">{latencies[l]} ms one way</text>\n");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"660\" y1=\"{46 + latencies.Count * 20}\" x2=\"672\" y2=\"{46 + latencies.Count * 20}\" stroke=\"black\" stroke-width=\"2\"/><text x=\"678\" y=\"{50 + latencies.Count * 20}\">floor</text>\n");
        svg.Append("<text x=\"400\" y=\"390\" text-anchor=\"middle\" fill=\"#555\">bars: live run (one worker); black tick: floor (read + COPY); grey figure under a bar: seed-style users/s (sample)</text>\n");
        File.WriteAllText(Path.Combine(directory, "users-per-second-by-shape.svg"), svg.Append("</svg>\n").ToString());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
