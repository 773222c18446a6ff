using System.Text;

namespace Matchmade.HelpGen;

/// <summary>
/// An about topic: docs/help/about_Name.md (# about_Name, ## SHORT DESCRIPTION, ## LONG DESCRIPTION, any further
/// ## and ### sections) written as the classic about_Name.help.txt that Get-Help prints: TOPIC, upper-case section
/// headings, text indented 4 and wrapped at 80 columns, code indented 8 and never wrapped.
/// </summary>
internal static class AboutTopic
{
    private const int Width = 80;

    public static string? Convert(string path, string displayPath, IReadOnlyList<CmdletModel> cmdlets, Diagnostics diagnostics)
    {
        var root = Markdown.Parse(File.ReadAllLines(path));
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var title = root.Children.FirstOrDefault(s => s.Level == 1);
        if (title is null || title.Title != name)
        {
            diagnostics.Error(displayPath, title?.Line ?? 1, "HELPGEN060", $"The topic's title is '# {name}', as its file name.");
            return null;
        }

        foreach (var required in new[] { "SHORT DESCRIPTION", "LONG DESCRIPTION" })
        {
            if (!title.Children.Any(s => s.Title.Equals(required, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Error(displayPath, title.Line, "HELPGEN061", $"'## {required}' is missing.");
            }
        }

        var text = new StringBuilder();
        text.Append("TOPIC\n    ").Append(name).Append('\n');
        foreach (var section in title.Children)
        {
            Blank(text);
            text.Append(section.Title.ToUpperInvariant()).Append('\n');
            Body(text, section, displayPath, cmdlets, diagnostics);
        }

        return text.ToString();
    }

    private static void Body(StringBuilder text, Section section, string path, IReadOnlyList<CmdletModel> cmdlets, Diagnostics diagnostics)
    {
        var blocks = Markdown.Blocks(section.Body);
        for (var i = 0; i < blocks.Count; i++)
        {
            var block = blocks[i];
            switch (block.Kind)
            {
                case BlockKind.Code:
                    if (block.Info is "powershell" or "ps1" or "pwsh" or "")
                    {
                        Checks.Script(block, path, cmdlets, diagnostics, "Code in " + section.Title);
                    }

                    foreach (var line in block.Text.Split('\n'))
                    {
                        text.Append(line.Length == 0 ? string.Empty : "        " + line).Append('\n');
                    }

                    break;
                case BlockKind.ListItem:
                    Wrap(text, Markdown.Plain(block.Text), "    " + block.Marker + " ", new string(' ', 5 + block.Marker.Length));
                    break;
                default:
                    Wrap(text, Markdown.Plain(block.Text), "    ", "    ");
                    break;
            }

            // A list stays compact; everything else is followed by an empty line.
            if (!(block.Kind == BlockKind.ListItem && i + 1 < blocks.Count && blocks[i + 1].Kind == BlockKind.ListItem))
            {
                text.Append('\n');
            }
        }

        foreach (var child in section.Children)
        {
            Blank(text);
            text.Append("  ").Append(child.Title).Append("\n\n");
            Body(text, child, path, cmdlets, diagnostics);
        }
    }

    /// <summary>Ends the text with exactly one empty line.</summary>
    private static void Blank(StringBuilder text)
    {
        while (text.Length >= 2 && text[^1] == '\n' && text[^2] == '\n')
        {
            text.Length--;
        }

        text.Append('\n');
    }

    private static void Wrap(StringBuilder text, string paragraph, string first, string rest)
    {
        var line = new StringBuilder(first);
        var empty = true;
        foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!empty && line.Length + 1 + word.Length > Width)
            {
                text.Append(line).Append('\n');
                line.Clear().Append(rest);
                empty = true;
            }

            if (!empty)
            {
                line.Append(' ');
            }

            line.Append(word);
            empty = false;
        }

        text.Append(line).Append('\n');
    }
}
