namespace Matchmade.HelpGen;

/// <summary>
/// Collects every problem before failing, so one build lists them all. Errors are written in MSBuild's canonical
/// format (<c>file(line): error HELPGENnnn: message</c>), so the build shows them as errors pointing at the markdown;
/// the lines after an error (a block to paste, for instance) are printed as they are.
/// </summary>
internal sealed class Diagnostics
{
    private readonly List<string> lines = [];

    public int ErrorCount { get; private set; }

    public void Error(string file, int line, string code, string message, IEnumerable<string>? detail = null)
    {
        ErrorCount++;
        var where = line > 0 ? $"{file}({line})" : file;
        lines.Add($"{where}: error {code}: {message}");
        if (detail is not null)
        {
            lines.AddRange(detail.Select(d => "    " + d));
        }
    }

    public void WriteTo(TextWriter writer)
    {
        foreach (var line in lines)
        {
            writer.WriteLine(line);
        }
    }
}
