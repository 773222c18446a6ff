using System.Management.Automation;
using Matchmade.Tests.Hosting;

namespace Matchmade.Tests;

/// <summary>Get-Help -Full documents every cmdlet: synopsis, every parameter, examples; and the runbook topic exists.</summary>
public sealed class HelpTests
{
    private static readonly HashSet<string> Common = [.. typeof(System.Management.Automation.Internal.CommonParameters).GetProperties().Select(p => p.Name), .. typeof(System.Management.Automation.Internal.ShouldProcessParameters).GetProperties().Select(p => p.Name)];

    [Theory]
    [InlineData("Get-ProfileMigrationStatus", 2)]
    [InlineData("Invoke-ProfileMigration", 3)]
    [InlineData("Test-MigrationIntegrity", 2)]
    [InlineData("Get-MigrationReport", 2)]
    [InlineData("Undo-ProfileMigration", 2)]
    public void Full_help_has_a_synopsis_every_parameter_and_examples(string name, int minimumExamples)
    {
        using var session = new PowerShellSession();
        var help = Assert.Single(session.Run("Get-Help -Name $args[0] -Full", name).ThrowOnError().Output);
        var synopsis = help.Properties["Synopsis"].Value?.ToString() ?? string.Empty;
        Assert.False(string.IsNullOrWhiteSpace(synopsis));
        Assert.DoesNotContain(name + " [", synopsis, StringComparison.Ordinal); // not the generated syntax stand-in

        var documented = ((object[])((PSObject)help.Properties["parameters"].Value).Properties["parameter"].Value)
            .Cast<PSObject>()
            .ToDictionary(p => p.Properties["name"].Value.ToString()!, p => Text(p.Properties["description"].Value));
        var command = (CmdletInfo)session.Run("Get-Command -Name $args[0]", name).ThrowOnError().Output.Single().BaseObject;
        foreach (var parameter in command.Parameters.Keys.Where(p => !Common.Contains(p)))
        {
            Assert.True(documented.TryGetValue(parameter, out var text) && text.Length > 20, $"{name} -{parameter} has no description in the help");
        }

        Assert.All(documented.Keys, p => Assert.True(command.Parameters.ContainsKey(p), $"{name}'s help documents -{p}, which does not exist"));
        var examples = (PSObject)help.Properties["examples"].Value;
        var list = examples.Properties["example"].Value is object[] many ? many : [examples.Properties["example"].Value];
        Assert.True(list.Length >= minimumExamples, $"{name} has {list.Length} examples");
    }

    [Fact]
    public void The_about_topic_walks_through_the_runbook()
    {
        using var session = new PowerShellSession();
        var text = string.Join("\n", session.Run("Get-Help about_Matchmade").ThrowOnError().Output.Select(o => o.ToString()));
        foreach (var step in new[] { "Get-ProfileMigrationStatus", "Invoke-ProfileMigration -WhatIf", "-MaxUsers", "Test-MigrationIntegrity", "Get-MigrationReport", "Undo-ProfileMigration -WhatIf" })
        {
            Assert.Contains(step, text, StringComparison.Ordinal);
        }
    }

    private static string Text(object? description) => description switch
    {
        null => string.Empty,
        object[] paragraphs => string.Join(" ", paragraphs.Select(p => ((PSObject)p).Properties["Text"]?.Value?.ToString())),
        PSObject o when o.BaseObject is object[] paragraphs => string.Join(" ", paragraphs.Select(p => ((PSObject)p).Properties["Text"]?.Value?.ToString())),
        _ => description.ToString() ?? string.Empty,
    };
}
