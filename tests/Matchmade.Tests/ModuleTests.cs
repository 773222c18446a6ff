using System.Management.Automation;
using System.Runtime.Loader;
using Matchmade.Tests.Hosting;

namespace Matchmade.Tests;

public sealed class ModuleTests
{
    [Fact]
    public void Manifest_is_valid_and_its_version_is_the_build_version()
    {
        using var session = new PowerShellSession(importModule: false);
        var manifest = session.Run("Test-ModuleManifest -Path $args[0] -ErrorAction Stop", PowerShellSession.ModuleManifest).ThrowOnError();
        var info = (PSModuleInfo)manifest.Output.Single().BaseObject;
        Assert.Equal("Matchmade", info.Name);
        var dll = System.Reflection.AssemblyName.GetAssemblyName(Path.Combine(PowerShellSession.ModuleDirectory, "Matchmade.dll"));
        Assert.Equal(info.Version.ToString(3), dll.Version!.ToString(3));
    }

    [Fact]
    public void Exported_commands_are_exactly_the_manifests_list()
    {
        using var session = new PowerShellSession();
        var manifest = (PSModuleInfo)session.Run("Test-ModuleManifest -Path $args[0]", PowerShellSession.ModuleManifest).ThrowOnError().Output.Single().BaseObject;
        var exported = session.Run("(Get-Command -Module Matchmade).Name").ThrowOnError();
        Assert.Equal(manifest.ExportedCmdlets.Keys.Order(), exported.Output.Select(o => o.ToString()).Order());
        Assert.Contains("Get-ProfileMigrationStatus", exported.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void Every_cmdlet_has_an_approved_verb_and_an_output_type()
    {
        using var session = new PowerShellSession();
        // Get-Verb lives in the Utility module, which the hosted engine lacks: read the same list from the SDK's verb classes.
        var approved = new[] { typeof(VerbsCommon), typeof(VerbsCommunications), typeof(VerbsData), typeof(VerbsDiagnostic), typeof(VerbsLifecycle), typeof(VerbsOther), typeof(VerbsSecurity) }
            .SelectMany(t => t.GetFields()).Select(f => (string)f.GetValue(null)!).ToHashSet();
        var commands = session.Run("Get-Command -Module Matchmade").ThrowOnError().Output.Select(o => (CmdletInfo)o.BaseObject).ToArray();
        Assert.NotEmpty(commands);
        Assert.Contains("Undo", approved);
        foreach (var command in commands)
        {
            Assert.True(approved.Contains(command.Verb), $"{command.Name}: '{command.Verb}' is not an approved verb");
            Assert.NotEmpty(command.OutputType);
            Assert.All(command.OutputType, t => Assert.NotNull(t.Type));
        }
    }

    [Fact]
    public void Core_and_Npgsql_load_in_the_modules_private_context()
    {
        using var session = new PowerShellSession();
        // Touch the core so it loads (status on a server that refuses fast).
        session.Run("Get-ProfileMigrationStatus -ConnectionString 'Host=127.0.0.1;Port=1;Database=x;Username=x;Timeout=1' -ErrorAction SilentlyContinue");
        var loaded = AppDomain.CurrentDomain.GetAssemblies();
        var core = Assert.Single(loaded, a => a.GetName().Name == "Matchmade.Core");
        var coreContext = AssemblyLoadContext.GetLoadContext(core)!;
        Assert.Equal("Matchmade", coreContext.Name);
        Assert.NotSame(AssemblyLoadContext.Default, coreContext);

        var moduleNpgsql = Assert.Single(coreContext.Assemblies, a => a.GetName().Name == "Npgsql");
        Assert.StartsWith(PowerShellSession.ModuleDirectory, moduleNpgsql.Location, StringComparison.Ordinal);
        var moduleJson = Assert.Single(coreContext.Assemblies, a => a.GetName().Name == "System.Text.Json");
        Assert.StartsWith(PowerShellSession.ModuleDirectory, moduleJson.Location, StringComparison.Ordinal);

        // The cmdlet assembly itself stays in the default context, and the test's own Npgsql is a different copy.
        var cmdlets = Assert.Single(loaded, a => a.GetName().Name == "Matchmade");
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(cmdlets));
        Assert.NotSame(typeof(Npgsql.NpgsqlConnection).Assembly, moduleNpgsql);
    }

    [Fact]
    public void The_cmdlet_assembly_references_neither_Npgsql_nor_System_Text_Json()
    {
        using var stream = File.OpenRead(Path.Combine(PowerShellSession.ModuleDirectory, "Matchmade.dll"));
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var reader = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        var names = reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToArray();
        Assert.Contains("Matchmade.Core", names);
        Assert.DoesNotContain("Npgsql", names);
        Assert.DoesNotContain("System.Text.Json", names);
    }
}
