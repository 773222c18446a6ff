using System.Management.Automation;
using System.Management.Automation.Language;
using Matchmade.Tests.Hosting;

namespace Matchmade.Tests;

/// <summary>
/// The gate suite users run in their CI, checked statically in-process: it parses, and every Matchmade command it
/// calls exists and binds its parameters (by name, with the real binder). Kept next to the real run
/// (tests/Matchmade.Pester.Tests/GateSuiteTests.cs) because it names the offending call in seconds.
/// </summary>
public sealed class PesterSuiteTests
{
    private static readonly string SuiteDirectory = Path.Combine(PowerShellSession.RepoRoot, "tests", "pester");

    public static TheoryData<string> Suites() => [.. Directory.GetFiles(SuiteDirectory, "*.Tests.ps1").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_suite_parses_and_every_Matchmade_command_it_calls_binds(string file)
    {
        var ast = Parser.ParseFile(Path.Combine(SuiteDirectory, file), out _, out var errors);
        Assert.Empty(errors);

        using var session = new PowerShellSession();
        var exported = session.Run("(Get-Command -Module Matchmade).Name").ThrowOnError().Output.Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var calls = ast.FindAll(a => a is CommandAst c && exported.Contains(c.GetCommandName() ?? string.Empty), searchNestedScriptBlocks: true).Cast<CommandAst>().ToList();
        Assert.Contains(calls, c => c.GetCommandName() == "Test-MigrationIntegrity");
        Assert.Contains(calls, c => c.GetCommandName() == "Get-MigrationReport");

        foreach (var call in calls)
        {
            var name = call.GetCommandName()!;
            var command = (CmdletInfo)session.Run("Get-Command -Name $args[0]", name).ThrowOnError().Output.Single().BaseObject;
            foreach (var parameter in call.CommandElements.OfType<CommandParameterAst>())
            {
                Assert.True(
                    command.Parameters.ContainsKey(parameter.ParameterName) || command.Parameters.Values.Any(p => p.Aliases.Contains(parameter.ParameterName, StringComparer.OrdinalIgnoreCase)),
                    $"{file}: {name} has no parameter -{parameter.ParameterName}");
            }

            // The engine's static binder: no ambiguity, no unknown parameter, a parameter set it can resolve.
            var binding = StaticParameterBinder.BindCommand(call, resolve: true);
            Assert.True(binding.BindingExceptions is null || binding.BindingExceptions.Count == 0,
                $"{file}: {call.Extent.Text}: {string.Join("; ", binding.BindingExceptions?.Select(b => $"{b.Key}: {b.Value.BindingException?.Message}") ?? [])}");
        }
    }

    [Fact]
    public void Build_script_help_is_found_by_Get_Help()
    {
        // Comment-based help right after a #Requires line, with no blank line between, is not taken as the script's help.
        var script = Parser.ParseFile(Path.Combine(PowerShellSession.RepoRoot, "build.ps1"), out _, out _);
        var help = script.GetHelpContent();
        Assert.NotNull(help);
        Assert.StartsWith("Builds, tests and packages the Matchmade module", help.Synopsis, StringComparison.Ordinal);
        Assert.Equal(2, help.Examples.Count);
    }

    [Theory]
    [InlineData("build.ps1")]
    [InlineData("Matchmade.psm1")]
    public void Shipped_scripts_parse(string file)
    {
        Parser.ParseFile(Path.Combine(PowerShellSession.RepoRoot, file), out _, out var errors);
        Assert.Empty(errors);
    }
}
