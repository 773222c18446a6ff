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

    public static ReportExportOutcome Export(string reportPath, string pagePath, ReportExportFormat format, ExportOptions options, bool overwrite, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        pagePath = Path.GetFullPath(pagePath);
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
