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
    public void The_integrity_tables_Name_column_holds_every_checks_name_whole()
    {
        // The name is what a DBA passes to -Check and filters on: cut to "ChatMessageContextProfil…" it is neither.
        using var session = new PowerShellSession();
        var names = session.Run("(TabExpansion2 -inputScript 'Test-MigrationIntegrity -Check ' -cursorColumn 31).CompletionMatches.CompletionText").ThrowOnError().Output.Select(o => o.ToString()).ToList();
        Assert.Contains("Reconciliation", names);

        var format = System.Xml.Linq.XDocument.Load(Path.Combine(PowerShellSession.ModuleDirectory, "Matchmade.format.ps1xml"));
        var view = format.Descendants("View").Single(v => (string?)v.Element("Name") == "Matchmade.IntegrityCheck");
        var width = (int)view.Descendants("TableColumnHeader").Single(h => (string?)h.Element("Label") == "Name").Element("Width")!;
        Assert.All(names, n => Assert.True(n.Length <= width, $"'{n}' ({n.Length} characters) does not fit the Name column ({width})"));
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

        // A Release build's precompiled copies for this runtime and platform are taken first; a Debug build has none.
        var dependencies = Path.Combine(PowerShellSession.ModuleDirectory, "Dependencies");
        var precompiled = Path.Combine(dependencies, $"net{Environment.Version.Major}.0-linux-x64");
        var from = OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 && Directory.Exists(precompiled) ? precompiled : dependencies;
        Assert.Equal(Path.Combine(from, "Matchmade.Core.dll"), core.Location);
        Assert.Equal(Path.Combine(from, "Npgsql.dll"), moduleNpgsql.Location);

        // System.Text.Json is one of ours (the core targets .NET 8) and part of .NET 10's framework: where the running
        // framework's copy is at least ours (this host, .NET 10.0.3 or later), the private context hands it to the framework.
        var cmdlets = Assert.Single(loaded, a => a.GetName().Name == "Matchmade");
        var json = coreContext.LoadFromAssemblyName(new System.Reflection.AssemblyName("System.Text.Json"));
        var ours = Path.Combine(PowerShellSession.ModuleDirectory, "Dependencies", "System.Text.Json.dll");
        var framework = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "System.Text.Json.dll");
        Assert.True(File.Exists(ours)); // still shipped, for .NET 8
        if (FileVersion(framework) >= FileVersion(ours))
        {
            Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(json));
            Assert.Equal(framework, json.Location);
        }
        else
        {
            Assert.Same(coreContext, AssemblyLoadContext.GetLoadContext(json));
            Assert.Equal(ours, json.Location);
        }

        Assert.Same(moduleNpgsql, coreContext.LoadFromAssemblyName(new System.Reflection.AssemblyName("Npgsql")));

        // The cmdlet assembly itself stays in the default context, and the test's own Npgsql is a different copy.
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

    [Theory]
    [InlineData("10.0.0.0", "10.0.1226.0", "10.0.0.0", "10.0.326.0", true)] // pwsh 7.6's framework against our package: its newer build
    [InlineData("10.0.0.0", "10.0.326.0", "10.0.0.0", "10.0.326.0", true)] // the same build: the framework's (precompiled)
    [InlineData("10.0.0.0", "10.0.125.0", "10.0.0.0", "10.0.326.0", false)] // an older servicing build in the framework: ours
    [InlineData("8.0.0.0", "8.0.2325.0", "10.0.0.0", "10.0.326.0", false)] // pwsh 7.4 (.NET 8): ours, the core needs 10
    [InlineData("11.0.0.0", "11.0.25.0", "10.0.0.0", "10.0.326.0", true)] // a later major: the framework's
    public void A_dependency_defers_to_the_framework_only_at_our_version_or_later(string frameworkAssembly, string frameworkFile, string ourAssembly, string ourFile, bool expected)
    {
        using var session = new PowerShellSession();
        var hosting = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "Matchmade").GetType("Matchmade.Hosting.MatchmadeLoadContext", throwOnError: true)!;
        var rule = hosting.GetMethod("PreferFramework", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        Assert.Equal(expected, rule.Invoke(null, [Version.Parse(frameworkAssembly), Version.Parse(frameworkFile), Version.Parse(ourAssembly), Version.Parse(ourFile)]));
    }

    private static Version FileVersion(string path)
    {
        var info = System.Diagnostics.FileVersionInfo.GetVersionInfo(path);
        return new Version(info.FileMajorPart, info.FileMinorPart, info.FileBuildPart, info.FilePrivatePart);
    }
}
