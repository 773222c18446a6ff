using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Internal;
using Matchmade.Tests.Hosting;

namespace Matchmade.Tests;

/// <summary>
/// Get-Help, through the real engine with the built module imported, documents every cmdlet from the module's own
/// help (en-US/Matchmade.dll-Help.xml, generated from docs/help by tools/Matchmade.HelpGen): synopsis, description,
/// every parameter with the facts the binder has, inputs, outputs, notes and examples; and about_Matchmade walks
/// through the runbook. The objects Get-Help returns are inspected, not its formatted text.
/// </summary>
public sealed class HelpTests
{
    private static readonly HashSet<string> Common = [.. typeof(CommonParameters).GetProperties().Select(p => p.Name)];

    private static readonly Dictionary<string, int> MinimumExamples = new()
    {
        ["Get-ProfileMigrationStatus"] = 2,
        ["Invoke-ProfileMigration"] = 3,
        ["Sync-ProfileMigration"] = 3,
        ["Test-MigrationIntegrity"] = 2,
        ["Get-MigrationReport"] = 2,
        ["Export-MigrationReport"] = 2,
        ["Undo-ProfileMigration"] = 2,
        ["Complete-ProfileMigration"] = 3,
    };

    [Fact]
    public void Every_exported_cmdlet_is_covered_here()
    {
        using var session = new PowerShellSession();
        var exported = session.Run("(Get-Command -Module Matchmade).Name").ThrowOnError().Output.Select(o => o.ToString()).Order();
        Assert.Equal(MinimumExamples.Keys.Order(), exported);
    }

    [Theory]
    [InlineData("Get-ProfileMigrationStatus")]
    [InlineData("Invoke-ProfileMigration")]
    [InlineData("Sync-ProfileMigration")]
    [InlineData("Test-MigrationIntegrity")]
    [InlineData("Get-MigrationReport")]
    [InlineData("Export-MigrationReport")]
    [InlineData("Undo-ProfileMigration")]
    [InlineData("Complete-ProfileMigration")]
    public void Full_help_has_the_markdowns_synopsis_and_a_description(string name)
    {
        using var session = new PowerShellSession();
        var help = FullHelp(session, name);

        var details = (PSObject)help.Properties["details"].Value;
        Assert.Equal(name, details.Properties["name"].Value?.ToString());
        var synopsis = Text(details.Properties["description"].Value);
        Assert.Equal(synopsis, help.Properties["Synopsis"].Value?.ToString()?.Trim());
        Assert.DoesNotContain("[-", synopsis, StringComparison.Ordinal); // not the syntax stand-in of a cmdlet without help
        Assert.Equal(MarkdownSynopsis(name), synopsis);

        Assert.True(Text(help.Properties["description"].Value).Length > 200, $"{name} has no real description");
        Assert.True(Text(Path(help, "alertSet", "alert")).Length > 50, $"{name} has no notes");
        Assert.NotEmpty(Items(Path(help, "inputTypes", "inputType")));
    }

    [Theory]
    [InlineData("Get-ProfileMigrationStatus")]
    [InlineData("Invoke-ProfileMigration")]
    [InlineData("Sync-ProfileMigration")]
    [InlineData("Test-MigrationIntegrity")]
    [InlineData("Get-MigrationReport")]
    [InlineData("Export-MigrationReport")]
    [InlineData("Undo-ProfileMigration")]
    [InlineData("Complete-ProfileMigration")]
    public void Every_parameter_is_described_with_the_binders_facts(string name)
    {
        using var session = new PowerShellSession();
        var help = FullHelp(session, name);
        var command = (CmdletInfo)session.Run("Get-Command -Name $args[0]", name).ThrowOnError().Output.Single().BaseObject;
        var documented = Items(Path(help, "parameters", "parameter")).ToDictionary(p => Prop(p, "name"), StringComparer.Ordinal);

        foreach (var parameter in command.Parameters.Values.Where(p => !Common.Contains(p.Name)))
        {
            Assert.True(documented.TryGetValue(parameter.Name, out var doc), $"{name} -{parameter.Name} is not in the help");
            Assert.True(Text(doc.Properties["description"].Value).Length > 20, $"{name} -{parameter.Name} has no description");

            var sets = parameter.ParameterSets.Values.ToList();
            Assert.Equal(TypeName(parameter.ParameterType), Text(Path(doc, "type", "name")));
            Assert.Equal(sets.All(s => s.IsMandatory), bool.Parse(Prop(doc, "required")));
            var positions = sets.Select(s => s.Position < 0 ? "named" : s.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
            Assert.Equal(positions.Count == 1 ? positions[0] : "named", Prop(doc, "position"), ignoreCase: true);
            var byValue = sets.Any(s => s.ValueFromPipeline);
            var byName = sets.Any(s => s.ValueFromPipelineByPropertyName);
            var pipeline = (byValue, byName) switch
            {
                (true, true) => "True (ByValue, ByPropertyName)",
                (true, false) => "True (ByValue)",
                (false, true) => "True (ByPropertyName)",
                _ => "False",
            };
            Assert.Equal(pipeline, Prop(doc, "pipelineInput"));
            Assert.False(string.IsNullOrWhiteSpace(Prop(doc, "defaultValue")), $"{name} -{parameter.Name} has no default value in the help");
            var aliases = parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases);
            Assert.Equal(aliases, Prop(doc, "aliases"));
        }

        foreach (var described in documented.Keys)
        {
            Assert.True(command.Parameters.ContainsKey(described), $"{name}'s help documents -{described}, which does not exist");
        }

        // The syntax has one entry per parameter set.
        Assert.Equal(command.ParameterSets.Count, Items(Path(help, "syntax", "syntaxItem")).Count);
    }

    [Theory]
    [InlineData("Get-ProfileMigrationStatus")]
    [InlineData("Invoke-ProfileMigration")]
    [InlineData("Sync-ProfileMigration")]
    [InlineData("Test-MigrationIntegrity")]
    [InlineData("Get-MigrationReport")]
    [InlineData("Export-MigrationReport")]
    [InlineData("Undo-ProfileMigration")]
    [InlineData("Complete-ProfileMigration")]
    public void Examples_and_outputs(string name)
    {
        using var session = new PowerShellSession();
        var help = FullHelp(session, name);
        var command = (CmdletInfo)session.Run("Get-Command -Name $args[0]", name).ThrowOnError().Output.Single().BaseObject;

        var examples = Items(Path(help, "examples", "example"));
        Assert.True(examples.Count >= MinimumExamples[name], $"{name} has {examples.Count} examples; it needs {MinimumExamples[name]}");
        foreach (var example in examples)
        {
            Assert.Contains(name, Prop(example, "code"), StringComparison.Ordinal);
            Assert.True(Text(example.Properties["remarks"].Value).Length > 20, $"{name}: example '{Prop(example, "title")}' does not say what it does");
        }

        var outputs = Items(Path(help, "returnValues", "returnValue")).Select(r => Text(Path(r, "type", "name"))).Order();
        Assert.Equal(command.OutputType.Select(t => t.Type.FullName).Order(), outputs);
    }

    [Fact]
    public void Invoke_ProfileMigration_has_a_dry_run_a_canary_and_a_full_run_example()
    {
        using var session = new PowerShellSession();
        var code = Items(Path(FullHelp(session, "Invoke-ProfileMigration"), "examples", "example")).Select(e => Prop(e, "code")).ToList();
        Assert.Contains(code, c => c.Contains("Invoke-ProfileMigration -WhatIf", StringComparison.Ordinal));
        Assert.Contains(code, c => c.Contains("-UserId", StringComparison.Ordinal) && c.Contains("-MaxUsers", StringComparison.Ordinal));
        Assert.Contains(code, c => c.Contains("Invoke-ProfileMigration -ReportPath", StringComparison.Ordinal));
    }

    [Fact]
    public void The_about_topic_walks_through_the_runbook_in_order()
    {
        using var session = new PowerShellSession();
        var output = session.Run("Get-Help about_Matchmade").ThrowOnError().Output;
        var text = string.Join("\n", output.Select(o => o.BaseObject as string ?? o.Properties["Text"]?.Value?.ToString() ?? o.ToString()));
        Assert.StartsWith("TOPIC", text.TrimStart(), StringComparison.Ordinal);
        Assert.Contains("about_Matchmade", text, StringComparison.Ordinal);

        var at = 0;
        foreach (var step in new[]
        {
            "Get-ProfileMigrationStatus",
            "Invoke-ProfileMigration -WhatIf",
            "Invoke-ProfileMigration -UserId",
            "Invoke-ProfileMigration -MaxUsers",
            "Invoke-ProfileMigration -ReportPath",
            "$MatchmadeLastRun",
            "Test-MigrationIntegrity",
            "Get-MigrationReport",
            "Export-MigrationReport",
            "Undo-ProfileMigration -WhatIf",
        })
        {
            var found = text.IndexOf(step, at, StringComparison.Ordinal);
            Assert.True(found >= 0, $"about_Matchmade lacks '{step}' after position {at} (the runbook's order)");
            at = found + step.Length;
        }

        // The facts a DBA needs before starting.
        foreach (var fact in new[] { "DATABASE_URL", "-Credential", "-Schema", "migration-report-YYYY-MM-DD.json", "5,000" })
        {
            Assert.Contains(fact, text, StringComparison.Ordinal);
        }
    }

    private static PSObject FullHelp(PowerShellSession session, string name)
    {
        var help = Assert.Single(session.Run("Get-Help -Name $args[0] -Full", name).ThrowOnError().Output);
        Assert.Equal("MamlCommandHelpInfo", help.TypeNames.FirstOrDefault(t => t.StartsWith("MamlCommandHelpInfo", StringComparison.Ordinal))?.Split('#')[0]);
        return help;
    }

    /// <summary>The SYNOPSIS of docs/help/Name.md, as one line of plain text.</summary>
    private static string MarkdownSynopsis(string name)
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(PowerShellSession.RepoRoot, "docs", "help", name + ".md"));
        var start = Array.IndexOf(lines, "## SYNOPSIS") + 1;
        return string.Join(" ", lines.Skip(start).TakeWhile(l => !l.StartsWith('#')).Select(l => l.Trim()).Where(l => l.Length > 0)).Replace("`", string.Empty, StringComparison.Ordinal);
    }

    private static object? Path(PSObject o, params string[] names)
    {
        object? value = o;
        foreach (var name in names)
        {
            value = value is PSObject p ? p.Properties[name]?.Value : null;
        }

        return value;
    }

    private static string Prop(PSObject o, string name) => Text(o.Properties[name]?.Value);

    /// <summary>A MAML list: one object, or an array of them.</summary>
    private static List<PSObject> Items(object? value) => value switch
    {
        null => [],
        PSObject { BaseObject: object[] many } => [.. many.Select(PSObject.AsPSObject)],
        object[] many => [.. many.Select(PSObject.AsPSObject)],
        _ => [PSObject.AsPSObject(value)],
    };

    /// <summary>Help text: a string, a paragraph object (Text), or a list of paragraphs.</summary>
    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        string s => s.Trim(),
        PSObject { BaseObject: string s } => s.Trim(),
        PSObject p when p.BaseObject is IEnumerable and not string => Text(p.BaseObject),
        PSObject p when p.Properties["Text"] is { } text => Text(text.Value),
        IEnumerable list => string.Join(" ", list.Cast<object?>().Select(Text).Where(t => t.Length > 0)),
        _ => value.ToString()?.Trim() ?? string.Empty,
    };

    // As the help generator names them: a nullable parameter by its underlying type.
    private static string TypeName(Type type) => type.IsArray ? TypeName(type.GetElementType()!) + "[]" : Nullable.GetUnderlyingType(type)?.Name ?? type.Name;
}
