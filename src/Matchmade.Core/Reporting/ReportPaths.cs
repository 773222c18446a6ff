using System.Globalization;
using Matchmade.Core.Errors;

namespace Matchmade.Core.Reporting;

/// <summary>Where a report goes: the requested path resolved, free names for the default name, the final rename.</summary>
internal static class ReportPaths
{
    /// <summary>
    /// Null → ./migration-report-YYYY-MM-DD.json (the UTC date of <paramref name="runStart"/>); a folder → that name
    /// inside it; the default name gets -2, -3, … rather than overwrite; an explicit file that exists is refused.
    /// </summary>
    public static (string Path, bool DefaultName) Resolve(string? requestedPath, DateTimeOffset runStart)
    {
        var stem = ReportFormat.FilePrefix + runStart.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (string.IsNullOrWhiteSpace(requestedPath) || Directory.Exists(requestedPath) || EndsWithSeparator(requestedPath))
        {
            var directory = FullPath(string.IsNullOrWhiteSpace(requestedPath) ? "." : requestedPath);
            if (!Directory.Exists(directory))
            {
                throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                    $"The report folder '{directory}' does not exist. Create it, or pick another folder or file with -ReportPath.", target: directory);
            }

            return (FreeName(Path.Combine(directory, stem + ReportFormat.FileExtension)), true);
        }

        var path = FullPath(requestedPath);
        if (File.Exists(path))
        {
            throw new MatchmadeException(ErrorIds.ReportExists, FailureKind.InvalidArgument,
                $"The report file '{path}' exists already and is never overwritten. Pick another -ReportPath (a folder gets a new dated name), or move or remove the old report.", target: path);
        }

        if (!Directory.Exists(Path.GetDirectoryName(path)))
        {
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError,
                $"The folder of the report file '{path}' does not exist. Create it, or pick another -ReportPath.", target: path);
        }

        return (path, false);
    }

    /// <summary>Renames <paramref name="temp"/> to <paramref name="path"/> without overwriting (or to the next free -N name); returns the final path.</summary>
    public static string MoveIntoPlace(string temp, string path, bool defaultName)
    {
        var target = path;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                File.Move(temp, target, overwrite: false);
                return target;
            }
            catch (IOException) when (attempt < 1000 && File.Exists(target))
            {
                target = FreeName(defaultName ? path : target);
            }
        }
    }

    /// <summary><paramref name="path"/> if free, else the first free name-2.json, name-3.json, ….</summary>
    private static string FreeName(string path)
    {
        if (!File.Exists(path))
        {
            return path;
        }

        var directory = Path.GetDirectoryName(path)!;
        var name = Path.GetFileNameWithoutExtension(path);
        var extension = Path.GetExtension(path);
        for (var n = 2; ; n++)
        {
            var candidate = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"{name}-{n}{extension}"));
            if (!File.Exists(candidate))
            {
                return candidate;
            }
        }
    }

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new MatchmadeException(ErrorIds.ReportPathNotWritable, FailureKind.WriteError, $"'{path}' is not a usable report path: {e.Message}", e, path);
        }
    }

    private static bool EndsWithSeparator(string path) =>
        path.EndsWith(Path.DirectorySeparatorChar) || path.EndsWith(Path.AltDirectorySeparatorChar);
}
