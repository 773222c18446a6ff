using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;

namespace Matchmade.Tests.Shared;

/// <summary>
/// A test that renders a page in headless Chromium (Debian's <c>chromium</c>). Without the browser it is skipped on a
/// developer's machine, but never in CI (CI=true): there it fails, and <c>.ci/run</c> installs the browser.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.Executable is null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "chromium is not installed (apt-get install chromium); with CI=true this test fails instead of skipping";
        }
    }
}

/// <summary>Headless Chromium screenshots, and the minimal PNG decoding to look at them.</summary>
public static class Browser
{
    public static string? Executable { get; } = new[] { "chromium", "chromium-browser", "google-chrome" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    /// <summary>Renders <paramref name="page"/> (a local file) at the given window size and returns the PNG's bytes.</summary>
    public static byte[] Screenshot(string page, int width, int height)
    {
        Assert.True(Executable is not null, "chromium is not installed: apt-get install chromium");
        var profile = Directory.CreateTempSubdirectory("mm-chromium-").FullName;
        var png = Path.Combine(profile, "shot.png");
        try
        {
            var start = new ProcessStartInfo(Executable!) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", $"--screenshot={png}",
                $"--window-size={width},{height}", new Uri(Path.GetFullPath(page)).AbsoluteUri,
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("chromium did not finish within 120 s");
            }

            Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {process.ExitCode}): {stderr.Result}");
            return File.ReadAllBytes(png);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) into width, height and RGB rows.</summary>
    public static (int Width, int Height, byte[][] Rows) DecodePng(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }), "not a PNG");
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at < png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]); // bit depth
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"PNG colour type {data[9]}") };
                Assert.Equal(0, data[12]); // not interlaced
            }
            else if (type == "IDAT")
            {
                idat.Write(data);
            }

            at += 12 + length;
        }

        idat.Position = 0;
        using var inflate = new ZLibStream(idat, CompressionMode.Decompress);
        var stride = width * channels;
        var rows = new byte[height][];
        var previous = new byte[stride];
        var line = new byte[stride + 1];
        for (var y = 0; y < height; y++)
        {
            inflate.ReadExactly(line);
            var row = line.AsSpan(1).ToArray();
            for (var x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                row[x] += line[0] switch
                {
                    0 => 0,
                    1 => (byte)a,
                    2 => (byte)b,
                    3 => (byte)((a + b) / 2),
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG filter {line[0]}"),
                };
            }

            previous = row;
            rows[y] = channels == 3 ? row : [.. Enumerable.Range(0, width).SelectMany(x => new[] { row[x * 4], row[(x * 4) + 1], row[(x * 4) + 2] })];
        }

        return (width, height, rows);
    }

    /// <summary>Rows that hold anything but the background colour (the top-left pixel's): where the page has content.</summary>
    public static (int First, int Last, double InkShare) Content(byte[][] rows)
    {
        var background = (rows[0][0], rows[0][1], rows[0][2]);
        int first = -1, last = -1;
        long ink = 0, pixels = 0;
        for (var y = 0; y < rows.Length; y++)
        {
            var row = rows[y];
            for (var x = 0; x < row.Length; x += 3)
            {
                pixels++;
                if ((row[x], row[x + 1], row[x + 2]) != background)
                {
                    ink++;
                    first = first < 0 ? y : first;
                    last = y;
                }
            }
        }

        return (first, last, (double)ink / pixels);
    }

    private static byte Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }
}
