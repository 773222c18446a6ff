using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Management.Automation.Language;
using System.Reflection;

namespace Matchmade.HelpGen;

/// <summary>A cmdlet with its markdown, checked against each other.</summary>
internal sealed record CommandHelp(CmdletModel Cmdlet, CommandDoc Doc)
{
    public ParameterDoc? DocFor(CmdletParameter parameter) => Doc.Parameters.FirstOrDefault(d => d.Name == parameter.Name);

    /// <summary>The default value Get-Help shows: the code's when the property has one, else the markdown's words.</summary>
    public string DefaultOf(CmdletParameter parameter) =>
        parameter.Default
        ?? (DocFor(parameter)?.Facts?.TryGetValue("Default value", out var fact) == true && fact.Value.Length > 0 ? fact.Value : null)
        ?? (parameter.IsSwitch ? "False" : "None");
}

/// <summary>Where the markdown and the code must agree. Every failure is an error; the build stops on any.</summary>
internal static class Checks
{
    public const int MinimumExamples = 2;

    private static readonly HashSet<string> CommonNames = CommonParameterNames();

    public static void Command(CommandHelp help, Diagnostics diagnostics)
    {
        var (cmdlet, doc) = help;
        if (doc.Title != cmdlet.Name)
        {
            diagnostics.Error(doc.Path, 1, "HELPGEN015", $"The title is '# {doc.Title}'; the cmdlet is {cmdlet.Name}.");
        }

        foreach (var parameter in cmdlet.Parameters)
        {
            var text = help.DocFor(parameter);
            if (text is null || text.Text.Count == 0)
            {
                if (parameter.IsShouldProcess && text is null)
                {
                    continue; // PowerShell's own -WhatIf/-Confirm: a stock description is used.
                }

                diagnostics.Error(doc.Path, text?.Line ?? doc.LineOf("PARAMETERS"), "HELPGEN003",
                    $"{cmdlet.Name} -{parameter.Name} has no description. Add under '## PARAMETERS':",
                    [$"### -{parameter.Name}", string.Empty, "<what it does, for a DBA: when to use it, what happens without it>", string.Empty, .. FactsBlock(Expected(help, parameter, null))]);
                continue;
            }

            CheckFacts(help, parameter, text, diagnostics);
        }

        foreach (var described in doc.Parameters)
        {
            var parameter = cmdlet.Find(described.Name);
            if (parameter is null)
            {
                diagnostics.Error(doc.Path, described.Line, "HELPGEN004",
                    $"-{described.Name} is described, but {cmdlet.Name} has no such parameter. Its parameters: {string.Join(", ", cmdlet.Parameters.Select(p => "-" + p.Name))}.");
            }
            else if (parameter.Name != described.Name)
            {
                diagnostics.Error(doc.Path, described.Line, "HELPGEN004", $"Write -{parameter.Name} as the code spells it, not -{described.Name}.");
            }
        }

        if (doc.Examples.Count < MinimumExamples)
        {
            diagnostics.Error(doc.Path, doc.LineOf("EXAMPLES"), "HELPGEN006", $"{cmdlet.Name} has {doc.Examples.Count} example(s); it needs at least {MinimumExamples}.");
        }

        var documented = doc.Outputs.Select(o => o.TypeName).ToHashSet(StringComparer.Ordinal);
        var declared = cmdlet.OutputTypes.ToHashSet(StringComparer.Ordinal);
        if (!documented.SetEquals(declared))
        {
            diagnostics.Error(doc.Path, doc.LineOf("OUTPUTS"), "HELPGEN007",
                $"'## OUTPUTS' lists {Names(documented)}; the cmdlet's [OutputType] says {Names(declared)}. Use one '### Full.Type.Name' per output type.");
        }

        var inputs = doc.Inputs.Select(i => i.TypeName).ToList();
        var pipeline = cmdlet.Parameters.Where(p => p.AcceptsPipelineInput).ToList();
        if (pipeline.Count == 0 ? inputs is not ["None"] : inputs.Contains("None"))
        {
            diagnostics.Error(doc.Path, doc.LineOf("INPUTS"), "HELPGEN008", pipeline.Count == 0
                ? "No parameter takes pipeline input: '## INPUTS' is '### None'."
                : $"Parameters take pipeline input ({string.Join(", ", pipeline.Select(p => $"-{p.Name} {p.PipelineText}"))}): '## INPUTS' lists their types, not None.");
        }

        foreach (var example in doc.Examples)
        {
            foreach (var code in example.Code)
            {
                Script(code, doc.Path, [cmdlet], diagnostics, $"Example '{example.Title}'");
            }
        }
    }

    /// <summary>
    /// Parses PowerShell code with PowerShell's parser; every call of a Matchmade cmdlet may only use that cmdlet's
    /// parameters (full names or aliases) and the common ones.
    /// </summary>
    public static void Script(Block code, string path, IReadOnlyList<CmdletModel> cmdlets, Diagnostics diagnostics, string what)
    {
        var ast = Parser.ParseInput(code.Text, out _, out var errors);
        foreach (var error in errors)
        {
            diagnostics.Error(path, code.Line + error.Extent.StartLineNumber, "HELPGEN050", $"{what}: the PowerShell does not parse: {error.Message}");
        }

        foreach (var call in ast.FindAll(a => a is CommandAst, searchNestedScriptBlocks: true).Cast<CommandAst>())
        {
            var cmdlet = cmdlets.FirstOrDefault(c => string.Equals(c.Name, call.GetCommandName(), StringComparison.OrdinalIgnoreCase));
            if (cmdlet is null)
            {
                continue;
            }

            foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
            {
                var name = parameter.ParameterName;
                var known = CommonNames.Contains(name)
                    || cmdlet.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) || p.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase));
                if (!known)
                {
                    diagnostics.Error(path, code.Line + parameter.Extent.StartLineNumber, "HELPGEN051",
                        $"{what}: {cmdlet.Name} has no parameter -{name} (write parameters in full).");
                }
            }
        }
    }

    /// <summary>A new cmdlet's markdown: every section, every parameter with its facts, two examples to write.</summary>
    public static IEnumerable<string> Skeleton(CmdletModel cmdlet)
    {
        var help = new CommandHelp(cmdlet, new CommandDoc { Path = string.Empty, Title = cmdlet.Name });
        string[] head =
        [
            $"# {cmdlet.Name}", string.Empty, "## SYNOPSIS", "<one sentence>", string.Empty, "## DESCRIPTION", "<what it does, for a DBA>", string.Empty,
            "## EXAMPLES", string.Empty,
            "### Example 1: <title>", "```powershell", cmdlet.Name, "```", string.Empty, "<what it does>", string.Empty,
            "### Example 2: <title>", "```powershell", cmdlet.Name, "```", string.Empty, "<what it does>", string.Empty,
            "## PARAMETERS",
        ];
        foreach (var line in head)
        {
            yield return line;
        }

        foreach (var parameter in cmdlet.Parameters.Where(p => !p.IsShouldProcess))
        {
            yield return string.Empty;
            yield return $"### -{parameter.Name}";
            yield return "<what it does>";
            yield return string.Empty;
            foreach (var line in FactsBlock(Expected(help, parameter, null)))
            {
                yield return line;
            }
        }

        string[] tail =
        [
            string.Empty, "## INPUTS", string.Empty, cmdlet.Parameters.Any(p => p.AcceptsPipelineInput) ? "### <Full.Type.Name>" : "### None", "<what can be piped>",
            string.Empty, "## OUTPUTS", .. cmdlet.OutputTypes.SelectMany(t => new[] { string.Empty, "### " + t, "<what it is>" }),
            string.Empty, "## NOTES", "<what a DBA should know>",
        ];
        foreach (var line in tail)
        {
            yield return line;
        }
    }

    /// <summary>The facts Get-Help shows for a parameter, in platyPS's order; "Default value" from the code or the markdown.</summary>
    public static List<(string Key, string Value)> Expected(CommandHelp help, CmdletParameter parameter, string? documentedDefault)
    {
        var facts = new List<(string, string)>
        {
            ("Type", parameter.TypeName),
            ("Parameter Sets", parameter.SetsText(help.Cmdlet.ParameterSets)),
            ("Aliases", string.Join(", ", parameter.Aliases)),
        };
        if (parameter.AcceptedValues is { } values)
        {
            facts.Add(("Accepted values", string.Join(", ", values)));
        }

        if (parameter.Range is { } range)
        {
            facts.Add(("Valid range", range));
        }

        facts.Add(("Required", parameter.RequiredText));
        facts.Add(("Position", parameter.PositionText));
        facts.Add(("Default value", parameter.Default ?? documentedDefault ?? (parameter.IsSwitch ? "False" : "<what happens when it is omitted>")));
        facts.Add(("Accept pipeline input", parameter.PipelineText));
        facts.Add(("Accept wildcard characters", parameter.Globbing ? "True" : "False"));
        return facts;
    }

    private static void CheckFacts(CommandHelp help, CmdletParameter parameter, ParameterDoc doc, Diagnostics diagnostics)
    {
        var documentedDefault = doc.Facts?.TryGetValue("Default value", out var d) == true && d.Value.Length > 0 ? d.Value : null;
        var expected = Expected(help, parameter, documentedDefault);
        if (doc.Facts is null)
        {
            diagnostics.Error(help.Doc.Path, doc.Line, "HELPGEN005", $"-{parameter.Name} has no ```yaml block of facts. Add after its description:", FactsBlock(expected));
            return;
        }

        var wrong = new List<string>();
        foreach (var (key, value) in expected)
        {
            if (!doc.Facts.TryGetValue(key, out var fact))
            {
                wrong.Add($"'{key}' is missing");
            }
            else if (key == "Default value" ? parameter.Default is not null && !Same(fact.Value, value) || fact.Value.Length == 0 : !Same(fact.Value, value))
            {
                wrong.Add($"{key} is '{fact.Value}', the code says '{(key == "Default value" && parameter.Default is null ? "(any words; it has no value in the code)" : value)}'");
            }
        }

        wrong.AddRange(doc.Facts.Keys.Where(k => !expected.Any(e => string.Equals(e.Key, k, StringComparison.OrdinalIgnoreCase))).Select(k => $"'{k}' is not a fact of this parameter"));
        if (wrong.Count > 0)
        {
            diagnostics.Error(help.Doc.Path, doc.FactsLine, "HELPGEN005", $"The facts of -{parameter.Name} disagree with the code: {string.Join("; ", wrong)}. The block should read:", FactsBlock(expected));
        }
    }

    private static bool Same(string documented, string actual) =>
        string.Equals(Normalize(documented), Normalize(actual), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string value) => value.Trim() is "None" or "none" ? string.Empty : string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static IEnumerable<string> FactsBlock(List<(string Key, string Value)> facts) =>
        ["```yaml", .. facts.Select(f => $"{f.Key}: {f.Value}".TrimEnd()), "```"];

    private static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal)) : "nothing";

    private static HashSet<string> CommonParameterNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in typeof(CommonParameters).GetProperties())
        {
            names.Add(property.Name);
            foreach (var alias in property.GetCustomAttributes<AliasAttribute>().SelectMany(a => a.AliasNames))
            {
                names.Add(alias);
            }
        }

        return names;
    }
}
