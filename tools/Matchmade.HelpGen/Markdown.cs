using System.Text;
using System.Text.RegularExpressions;

namespace Matchmade.HelpGen;

internal enum BlockKind
{
    Paragraph,
    ListItem,
    Code,
}

/// <summary>A paragraph, one list item (Marker "-" or "1."), or a fenced code block (Info = its language).</summary>
internal sealed record Block(BlockKind Kind, string Text, int Line, string Marker = "", string Info = "");

/// <summary>One line of a markdown file with its 1-based number.</summary>
internal readonly record struct SourceLine(string Text, int Number);

/// <summary>A heading and the lines under it, up to the next heading of the same or a higher level.</summary>
internal sealed class Section(int level, string title, int line)
{
    public int Level { get; } = level;
    public string Title { get; } = title;
    public int Line { get; } = line;
    public List<SourceLine> Body { get; } = [];
    public List<Section> Children { get; } = [];
}

/// <summary>
/// The little markdown the help is written in: ATX headings, paragraphs, "-", "*" and "1." list items, fenced code
/// blocks, and inline code, bold and links (which become plain text in the console).
/// </summary>
internal static partial class Markdown
{
    /// <summary>The document's tree: a root (level 0) with the headings under it; headings inside code fences are text.</summary>
    public static Section Parse(string[] lines)
    {
        var root = new Section(0, string.Empty, 0);
        var stack = new Stack<Section>();
        stack.Push(root);
        var fence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            var heading = fence ? null : HeadingPattern().Match(text);
            if (heading is { Success: true })
            {
                var level = heading.Groups[1].Value.Length;
                while (stack.Peek().Level >= level)
                {
                    stack.Pop();
                }

                var section = new Section(level, heading.Groups[2].Value.Trim(), i + 1);
                stack.Peek().Children.Add(section);
                stack.Push(section);
                continue;
            }

            if (text.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                fence = !fence;
            }

            stack.Peek().Body.Add(new SourceLine(text, i + 1));
        }

        return root;
    }

    public static List<Block> Blocks(IEnumerable<SourceLine> lines)
    {
        var blocks = new List<Block>();
        var text = new StringBuilder();
        var kind = BlockKind.Paragraph;
        var marker = string.Empty;
        var start = 0;
        List<string>? code = null;
        var info = string.Empty;

        void Flush()
        {
            if (text.Length > 0)
            {
                blocks.Add(new Block(kind, text.ToString(), start, marker));
                text.Clear();
            }
        }

        foreach (var (raw, number) in lines)
        {
            if (code is not null)
            {
                if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
                {
                    blocks.Add(new Block(BlockKind.Code, string.Join("\n", code), start, Info: info));
                    code = null;
                }
                else
                {
                    code.Add(raw);
                }

                continue;
            }

            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                code = [];
                info = line[3..].Trim();
                start = number;
                continue;
            }

            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            var item = ListItemPattern().Match(raw);
            if (item.Success)
            {
                Flush();
                kind = BlockKind.ListItem;
                marker = item.Groups[1].Value is "*" ? "-" : item.Groups[1].Value;
                start = number;
                text.Append(item.Groups[2].Value.Trim());
                continue;
            }

            if (text.Length == 0)
            {
                kind = BlockKind.Paragraph;
                marker = string.Empty;
                start = number;
            }
            else
            {
                text.Append(' ');
            }

            text.Append(line);
        }

        if (code is not null)
        {
            // An unclosed fence: keep what is there; the caller's checks see a code block.
            blocks.Add(new Block(BlockKind.Code, string.Join("\n", code), start, Info: info));
        }

        Flush();
        return blocks;
    }

    /// <summary>Inline markdown as console text: `code` and **bold** lose their marks, links keep their text (and an absolute URL).</summary>
    public static string Plain(string text)
    {
        text = LinkPattern().Replace(text, m => m.Groups[2].Value.Contains("://", StringComparison.Ordinal) ? $"{m.Groups[1].Value} ({m.Groups[2].Value})" : m.Groups[1].Value);
        return text.Replace("**", string.Empty, StringComparison.Ordinal)
            .Replace("`", string.Empty, StringComparison.Ordinal)
            .Replace("\\|", "|", StringComparison.Ordinal)
            .Replace("\\*", "*", StringComparison.Ordinal)
            .Replace("\\_", "_", StringComparison.Ordinal);
    }

    /// <summary>A block as the text of one console paragraph (a list item keeps its marker; code is indented).</summary>
    public static string Paragraph(Block block) => block.Kind switch
    {
        BlockKind.ListItem => block.Marker + " " + Plain(block.Text),
        BlockKind.Code => string.Join("\n", block.Text.Split('\n').Select(l => "    " + l)),
        _ => Plain(block.Text),
    };

    public static string PlainText(IEnumerable<Block> blocks) => string.Join(" ", blocks.Select(Paragraph));

    [GeneratedRegex(@"^(#{1,6})\s+(.*?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"^\s{0,3}([-*]|\d+\.)\s+(.*)$")]
    private static partial Regex ListItemPattern();

    [GeneratedRegex(@"\[([^\]]+)\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();
}
