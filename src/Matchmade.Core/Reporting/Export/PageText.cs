using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Matchmade.Core.Reporting.Export;

/// <summary>
/// Makes report data (hostile: it comes from users' blobs) safe to show. Control, format and bidi characters
/// (U+202E, U+2066, zero-width marks …) become visible "[U+202E]" text, so a value can neither reorder the text
/// around it nor hide; then HTML or Markdown special characters are escaped. Markdown also loses mentions and links.
/// </summary>
public static partial class PageText
{
    /// <summary>Replaces invisible and direction-changing characters with "[U+XXXX]"; tabs and line breaks with a space.</summary>
    public static string Visible(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        StringBuilder? sb = null;
        var i = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var replacement = Replacement(rune);
            if (replacement is not null && sb is null)
            {
                sb = new StringBuilder(text.Length + 16).Append(text, 0, i);
            }

            if (sb is not null)
            {
                if (replacement is null)
                {
                    sb.Append(rune.ToString());
                }
                else
                {
                    sb.Append(replacement);
                }
            }

            i += rune.Utf16SequenceLength;
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>Text for HTML element content and attribute values (quoted with ").</summary>
    public static string Html(string? text)
    {
        var visible = Visible(text);
        var sb = new StringBuilder(visible.Length + 16);
        foreach (var c in visible)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => null,
            } ?? c.ToString());
        }

        return sb.ToString();
    }

    /// <summary>Text for a Markdown table cell or line: Markdown's specials backslash-escaped, HTML's as entities, mentions and links broken (<see cref="Unlinked"/>).</summary>
    public static string Markdown(string? text)
    {
        var visible = Unlinked(Visible(text));
        var sb = new StringBuilder(visible.Length + 16);
        foreach (var c in visible)
        {
            switch (c)
            {
                case '&':
                    sb.Append("&amp;");
                    break;
                case '<':
                    sb.Append("&lt;");
                    break;
                case '>':
                    sb.Append("&gt;");
                    break;
                case ZeroWidthSpace:
                    sb.Append("&#8203;"); // as an entity, so the mark shows in the page's source
                    break;
                case '\\' or '`' or '*' or '_' or '[' or ']' or '(' or ')' or '|' or '~':
                    sb.Append('\\').Append(c);
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb.ToString();
    }

    private const char ZeroWidthSpace = '\u200B';

    /// <summary>
    /// A page pasted into a GitHub issue or PR: '@name' would notify that user or team, '#123' would link (and show
    /// up on) that issue or pull request, and 'https://…', 'www.…' and 'a@b.c' would become links, escaped or not
    /// (GitHub finds them in the rendered text). A zero-width space after each '@' and each '#' before a digit, inside
    /// each '://' and after 'www' breaks them and shows nothing. Only ours reach here: <see cref="Visible"/>
    /// shows the data's own as "[U+200B]".
    /// </summary>
    private static string Unlinked(string text) =>
        WwwDotOrReference().Replace(text.Replace("@", "@\u200B", StringComparison.Ordinal).Replace("://", ":\u200B//", StringComparison.Ordinal), "$0\u200B");

    [GeneratedRegex("www(?=\\.)|#(?=[0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WwwDotOrReference();

    /// <summary>A whole number as shown on the page (1,234,567; invariant culture).</summary>
    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string? Replacement(Rune rune)
    {
        if (rune.Value is '\t' or '\r' or '\n')
        {
            return " ";
        }

        // Zero-width (non-)joiners build emoji and scripts' ligatures; they cannot reorder text.
        if (rune.Value is 0x200C or 0x200D)
        {
            return null;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator
            ? string.Create(CultureInfo.InvariantCulture, $"[U+{rune.Value:X4}]")
            : null;
    }
}
