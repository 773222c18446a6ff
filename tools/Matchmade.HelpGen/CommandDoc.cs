using System.Text.RegularExpressions;

namespace Matchmade.HelpGen;

internal sealed class ParameterDoc
{
    public required string Name { get; init; }
    public required int Line { get; init; }
    public required List<Block> Text { get; init; }

    /// <summary>The platyPS-style ```yaml block of facts (Type, Required, Default value, ...), null when there is none.</summary>
    public Dictionary<string, (string Value, int Line)>? Facts { get; init; }
    public int FactsLine { get; init; }
}

internal sealed class ExampleDoc
{
    public required string Title { get; init; }
    public required int Line { get; init; }
    public required List<Block> Code { get; init; }
    public required List<Block> Remarks { get; init; }
}

/// <summary>An INPUTS or OUTPUTS entry: "### TypeName" and what it means.</summary>
internal sealed record TypeDoc(string TypeName, List<Block> Text, int Line);

internal sealed record LinkDoc(string Text, string? Uri);

/// <summary>
/// One cmdlet's markdown (docs/help/Verb-Noun.md), platyPS-like:
/// # Verb-Noun, ## SYNOPSIS, ## DESCRIPTION, ## EXAMPLES (### Example N: title), ## PARAMETERS (### -Name),
/// ## INPUTS and ## OUTPUTS (### TypeName), ## NOTES, ## RELATED LINKS (optional).
/// </summary>
internal sealed partial class CommandDoc
{
    public static readonly string[] RequiredSections = ["SYNOPSIS", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES"];
    private static readonly string[] OptionalSections = ["SYNTAX", "RELATED LINKS"];

    public required string Path { get; init; }
    public required string Title { get; init; }
    public List<Block> Synopsis { get; private set; } = [];
    public List<Block> Description { get; private set; } = [];
    public List<ExampleDoc> Examples { get; } = [];
    public List<ParameterDoc> Parameters { get; } = [];
    public List<TypeDoc> Inputs { get; } = [];
    public List<TypeDoc> Outputs { get; } = [];
    public List<Block> Notes { get; private set; } = [];
    public List<LinkDoc> Links { get; } = [];

    /// <summary>Where each '## SECTION' starts, for messages.</summary>
    public Dictionary<string, int> SectionLines { get; } = new(StringComparer.Ordinal);

    public int LineOf(string section) => SectionLines.TryGetValue(section, out var line) ? line : 0;

    public static CommandDoc? Read(string path, string displayPath, Diagnostics diagnostics)
    {
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (Placeholder().Match(lines[i]) is { Success: true } placeholder)
            {
                diagnostics.Error(displayPath, i + 1, "HELPGEN009", $"'{placeholder.Value}' is a placeholder of the skeleton: write the text.");
            }
        }

        var root = Markdown.Parse(lines);
        var title = root.Children.FirstOrDefault(s => s.Level == 1);
        if (title is null)
        {
            diagnostics.Error(displayPath, 1, "HELPGEN010", "The file has no '# Verb-Noun' title.");
            return null;
        }

        var doc = new CommandDoc { Path = displayPath, Title = title.Title };
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in title.Children)
        {
            var name = section.Title.ToUpperInvariant();
            if (!RequiredSections.Contains(name) && !OptionalSections.Contains(name))
            {
                diagnostics.Error(displayPath, section.Line, "HELPGEN011", $"Unknown section '## {section.Title}'. Sections: {string.Join(", ", RequiredSections.Concat(OptionalSections))}.");
                continue;
            }

            doc.SectionLines.TryAdd(name, section.Line);
            if (!seen.Add(name))
            {
                diagnostics.Error(displayPath, section.Line, "HELPGEN012", $"'## {name}' appears twice.");
                continue;
            }

            switch (name)
            {
                case "SYNOPSIS":
                    doc.Synopsis = Markdown.Blocks(section.Body);
                    break;
                case "DESCRIPTION":
                    doc.Description = Markdown.Blocks(Flatten(section));
                    break;
                case "NOTES":
                    doc.Notes = Markdown.Blocks(Flatten(section));
                    break;
                case "EXAMPLES":
                    doc.ReadExamples(section, diagnostics);
                    break;
                case "PARAMETERS":
                    doc.ReadParameters(section, diagnostics);
                    break;
                case "INPUTS":
                    doc.Inputs.AddRange(Types(section, displayPath, diagnostics));
                    break;
                case "OUTPUTS":
                    doc.Outputs.AddRange(Types(section, displayPath, diagnostics));
                    break;
                case "RELATED LINKS":
                    doc.Links.AddRange(Markdown.Blocks(section.Body).Select(Link));
                    break;
                default:
                    break; // SYNTAX: generated from the code; any text there is for GitHub readers only.
            }
        }

        foreach (var missing in RequiredSections.Where(s => !seen.Contains(s)))
        {
            diagnostics.Error(displayPath, title.Line, "HELPGEN013", $"'## {missing}' is missing.");
        }

        if (seen.Contains("SYNOPSIS") && doc.Synopsis.Count == 0)
        {
            diagnostics.Error(displayPath, title.Line, "HELPGEN014", "'## SYNOPSIS' is empty.");
        }

        if (seen.Contains("DESCRIPTION") && doc.Description.Count == 0)
        {
            diagnostics.Error(displayPath, title.Line, "HELPGEN014", "'## DESCRIPTION' is empty.");
        }

        return doc;
    }

    private void ReadExamples(Section section, Diagnostics diagnostics)
    {
        foreach (var example in section.Children)
        {
            var match = ExampleTitle().Match(example.Title);
            if (!match.Success)
            {
                diagnostics.Error(Path, example.Line, "HELPGEN020", $"An example's heading is '### Example N: title', not '### {example.Title}'.");
                continue;
            }

            if (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) != Examples.Count + 1)
            {
                diagnostics.Error(Path, example.Line, "HELPGEN021", $"Examples are numbered 1, 2, 3, ...: this one should be Example {Examples.Count + 1}.");
            }

            var blocks = Markdown.Blocks(Flatten(example));
            var doc = new ExampleDoc
            {
                Title = match.Groups[2].Value.Trim(),
                Line = example.Line,
                Code = [.. blocks.Where(b => b.Kind == BlockKind.Code)],
                Remarks = [.. blocks.Where(b => b.Kind != BlockKind.Code)],
            };
            if (doc.Code.Count == 0)
            {
                diagnostics.Error(Path, example.Line, "HELPGEN022", $"Example {Examples.Count + 1} has no ```powershell code block.");
            }

            if (doc.Remarks.Count == 0)
            {
                diagnostics.Error(Path, example.Line, "HELPGEN023", $"Example {Examples.Count + 1} does not say what it does (text after the code).");
            }

            Examples.Add(doc);
        }
    }

    private void ReadParameters(Section section, Diagnostics diagnostics)
    {
        foreach (var parameter in section.Children)
        {
            if (parameter.Title == "CommonParameters")
            {
                continue; // platyPS's stock paragraph; Get-Help says it by itself.
            }

            if (!parameter.Title.StartsWith('-') || parameter.Title.Contains(' ', StringComparison.Ordinal))
            {
                diagnostics.Error(Path, parameter.Line, "HELPGEN030", $"A parameter's heading is '### -Name', not '### {parameter.Title}'.");
                continue;
            }

            var blocks = Markdown.Blocks(Flatten(parameter));
            var yaml = blocks.FirstOrDefault(b => b.Kind == BlockKind.Code && b.Info.Equals("yaml", StringComparison.OrdinalIgnoreCase));
            var name = parameter.Title[1..];
            if (Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                diagnostics.Error(Path, parameter.Line, "HELPGEN031", $"-{name} is described twice.");
                continue;
            }

            Parameters.Add(new ParameterDoc
            {
                Name = name,
                Line = parameter.Line,
                Text = [.. blocks.Where(b => b != yaml)],
                Facts = yaml is null ? null : Facts(yaml, diagnostics),
                FactsLine = yaml?.Line ?? parameter.Line,
            });
        }
    }

    private Dictionary<string, (string, int)> Facts(Block yaml, Diagnostics diagnostics)
    {
        var facts = new Dictionary<string, (string, int)>(StringComparer.OrdinalIgnoreCase);
        var number = yaml.Line;
        foreach (var line in yaml.Text.Split('\n'))
        {
            number++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || !facts.TryAdd(line[..colon].Trim(), (line[(colon + 1)..].Trim(), number)))
            {
                diagnostics.Error(Path, number, "HELPGEN032", $"'{line.Trim()}' is not a 'Key: value' line, or repeats a key.");
            }
        }

        return facts;
    }

    private static IEnumerable<TypeDoc> Types(Section section, string path, Diagnostics diagnostics)
    {
        if (section.Children.Count == 0)
        {
            diagnostics.Error(path, section.Line, "HELPGEN040", $"'## {section.Title}' lists its types as '### TypeName' (or '### None') with a sentence each.");
        }

        foreach (var type in section.Children)
        {
            yield return new TypeDoc(type.Title, Markdown.Blocks(Flatten(type)), type.Line);
        }
    }

    private static LinkDoc Link(Block block)
    {
        var match = LinkPattern().Match(block.Text);
        return match.Success ? new LinkDoc(match.Groups[1].Value, match.Groups[2].Value) : new LinkDoc(Markdown.Plain(block.Text), null);
    }

    /// <summary>A section's own lines followed by its subsections' (as plain text: headings become paragraphs).</summary>
    private static IEnumerable<SourceLine> Flatten(Section section)
    {
        foreach (var line in section.Body)
        {
            yield return line;
        }

        foreach (var child in section.Children)
        {
            yield return new SourceLine(string.Empty, child.Line);
            yield return new SourceLine(child.Title, child.Line);
            yield return new SourceLine(string.Empty, child.Line);
            foreach (var line in Flatten(child))
            {
                yield return line;
            }
        }
    }

    [GeneratedRegex(@"<(one sentence|title|what [^>]*|Full\.Type\.Name)>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^Example\s+(\d+)\s*:\s*(.+)$")]
    private static partial Regex ExampleTitle();

    [GeneratedRegex(@"^\[([^\]]+)\]\(([^)\s]+)\)")]
    private static partial Regex LinkPattern();
}
