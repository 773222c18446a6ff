using System.Diagnostics;
using System.Text;
using Matchmade.Core.Errors;

namespace Matchmade.Core.Reporting.Export;

public enum ReportExportFormat
{
    Html,
    Markdown,
}

/// <summary>What an export wrote.</summary>
public sealed record ReportExportOutcome(string Path, ReportExportFormat Format, long Bytes, long Findings, TimeSpan Elapsed, string ReportPath);

/// <summary>
/// Export-MigrationReport's work: reads a report once (<see cref="ReportAggregate.Build"/>), writes the page to a
/// temp file beside the target (private, like the report: it holds the same personal data) and moves it into place,
/// so a page is whole or absent. An existing page is replaced only when <c>overwrite</c> is set.
/// </summary>
public static class ReportExporter
{
    /// <summary>The format a page name asks for (.html, .htm, .md, .markdown), or null.</summary>
    public static ReportExportFormat? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" or ".htm" => ReportExportFormat.Html,
        ".md" or ".markdown" => ReportExportFormat.Markdown,
        _ => null,
    };

    public static string ExtensionOf(ReportExportFormat format) => format == ReportExportFormat.Html ? ".html" : ".md";

    /// <summary>Refuses a page that exists (without <paramref name="overwrite"/>) or whose folder does not.</summary>
    public static void CheckTarget(string pagePath, bool overwrite)
    {
        if (!overwrite && File.Exists(pagePath))
        {
            throw new MatchmadeException(ErrorIds.ExportExists, FailureKind.InvalidArgument,
                $"The file '{pagePath}' exists already. Add -Force to replace it, or pick another -Path.", target: pagePath);
        }

        if (Directory.Exists(pagePath))
        {
            throw new MatchmadeException(ErrorIds.ExportExists, FailureKind.InvalidArgument,
                $"'{pagePath}' is a folder. Pick a file name with -Path.", target: pagePath);
        }

        if (!Directory.Exists(Path.GetDirectoryName(pagePath)))
        {
            throw new MatchmadeException(ErrorIds.ExportPathNotWritable, FailureKind.WriteError,
                $"The folder of '{pagePath}' does not exist. Create it, or pick another -Path.", target: pagePath);
        }
    }

    /// <summary>
    /// The page is moved into place over an existing file (with overwrite): naming the report itself, by whatever path,
    /// would replace the report with its own page. Refused, -Force or not.
    /// </summary>
    private static void RefuseTheReportItself(string reportPath, string pagePath)
    {
        if (PathComparer.Equals(RealPath(reportPath, followLast: true), RealPath(pagePath, followLast: false)))
        {
            throw new MatchmadeException(ErrorIds.ExportExists, FailureKind.InvalidArgument,
                $"'{pagePath}' is the report itself: the page would replace it, and -Force does not change that. Pick another -Path, or leave -Path out to write the page beside the report.", target: pagePath);
        }
    }

    /// <summary>Case-insensitive where the file systems usually are (Windows, macOS).</summary>
    public static StringComparer PathComparer { get; } = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// The full path with the symbolic links of its folders followed: the directory entry a rename replaces. The last
    /// part is followed too when <paramref name="followLast"/> (the report's file, read through a link); a page's is
    /// not (a rename onto a link replaces the link, not what it points to).
    /// </summary>
    private static string RealPath(string path, bool followLast)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full);
        var real = folder is null ? full : Path.Combine(RealPath(folder, followLast: true), Path.GetFileName(full));
        return followLast ? Followed(real) : real;
    }

    /// <summary>Where a symbolic link finally points (itself when it is none, or the link cannot be read: the later write reports that).</summary>
    private static string Followed(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return path;
        }
    }

    public static ReportExportOutcome Export(string reportPath, string pagePath, ReportExportFormat format, ExportOptions options, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        pagePath = Path.GetFullPath(pagePath);
        RefuseTheReportItself(reportPath, pagePath);
        CheckTarget(pagePath, overwrite);
        var aggregate = ReportAggregate.Build(reportPath, options, cancellationToken);
        var temp = Path.Combine(Path.GetDirectoryName(pagePath)!, "." + Path.GetFileName(pagePath) + "." + Guid.NewGuid().ToString("N")[..8] + ".part");
        try
        {
            using (var file = PrivateFile.Create(temp))
            using (var text = new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16))
            {
                text.NewLine = "\n";
                if (format == ReportExportFormat.Html)
                {
                    HtmlPage.Write(text, aggregate, DateTimeOffset.UtcNow);
                }
                else
                {
                    MarkdownPage.Write(text, aggregate, DateTimeOffset.UtcNow);
                }

                text.Flush();
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, pagePath, overwrite);
        }
        catch (IOException e) when (!overwrite && File.Exists(pagePath))
        {
            throw new MatchmadeException(ErrorIds.ExportExists, FailureKind.InvalidArgument,
                $"The file '{pagePath}' was created while the page was written. Add -Force to replace it, or pick another -Path.", e, pagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MatchmadeException(ErrorIds.ExportPathNotWritable, FailureKind.WriteError,
                $"Cannot write '{pagePath}': {e.Message.TrimEnd().TrimEnd('.')}. Pick a folder you can write to, with free space, with -Path.", e, pagePath);
        }
        finally
        {
            PrivateFile.TryDelete(temp);
        }

        return new ReportExportOutcome(pagePath, format, new FileInfo(pagePath).Length, aggregate.Findings, clock.Elapsed, aggregate.Header.Path);
    }
}
