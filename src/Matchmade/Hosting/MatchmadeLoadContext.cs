using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

namespace Matchmade.Hosting;

/// <summary>
/// The module's private load context. Matchmade.Core and everything it needs (Npgsql, System.Text.Json, ...)
/// load here from the module's Dependencies folder, so versions that PowerShell or other modules loaded in the
/// default context never clash with ours. Assemblies not in Dependencies (the framework) come from the default context.
/// </summary>
/// <remarks>
/// Some of Dependencies are also part of newer runtimes (System.Text.Json, System.IO.Pipelines, ...: the module targets
/// .NET 8, where they are older than the core needs). Where the running framework's copy is at least ours (pwsh 7.6 on
/// .NET 10), it is used instead, as .NET's host does for an application: the framework's copy is precompiled
/// (ReadyToRun) and ours is not, so ours would be compiled method by method on first use, about 1,200 methods and 0.3 s
/// of a fresh pwsh's sync of 10,000 users (docs/performance.md). Framework assemblies cannot be replaced in the default
/// context by anyone, so this shares nothing another module could change.
/// </remarks>
internal sealed class MatchmadeLoadContext : AssemblyLoadContext
{
    private readonly string dependencyDirectory;
    private readonly string frameworkDirectory;

    private MatchmadeLoadContext(string dependencyDirectory, string frameworkDirectory)
        : base("Matchmade", isCollectible: false)
    {
        this.dependencyDirectory = dependencyDirectory;
        this.frameworkDirectory = frameworkDirectory;
    }

    public const string CoreAssemblyName = "Matchmade.Core";

    public static string DependencyDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(MatchmadeLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, "Dependencies");

    /// <summary>The running runtime's shared framework (where System.Private.CoreLib is).</summary>
    public static string FrameworkDirectory { get; } = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;

    public static MatchmadeLoadContext Instance { get; } = new(DependencyDirectory, FrameworkDirectory);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(dependencyDirectory, assemblyName.Name + ".dll");
        if (!File.Exists(path) || FrameworkServes(Path.Combine(frameworkDirectory, assemblyName.Name + ".dll"), path))
        {
            return null; // the default context: the framework
        }

        return LoadFromAssemblyPath(path);
    }

    /// <summary>Whether the framework has this dependency at our version or later (assembly version, then file version).</summary>
    internal static bool FrameworkServes(string frameworkPath, string ourPath)
    {
        if (!File.Exists(frameworkPath))
        {
            return false;
        }

        try
        {
            return PreferFramework(
                AssemblyName.GetAssemblyName(frameworkPath).Version, FileVersion(frameworkPath),
                AssemblyName.GetAssemblyName(ourPath).Version, FileVersion(ourPath));
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            return false; // unreadable: ours, as before
        }
    }

    /// <summary>.NET's host's rule for an application's copy against the framework's: the higher assembly version, then the higher file version; a tie goes to the framework.</summary>
    internal static bool PreferFramework(Version? frameworkAssembly, Version? frameworkFile, Version? ourAssembly, Version? ourFile)
    {
        if (frameworkAssembly is null || ourAssembly is null)
        {
            return false;
        }

        var byAssembly = frameworkAssembly.CompareTo(ourAssembly);
        return byAssembly > 0 || (byAssembly == 0 && frameworkFile is not null && ourFile is not null && frameworkFile >= ourFile);
    }

    private static Version FileVersion(string path)
    {
        var info = FileVersionInfo.GetVersionInfo(path);
        return new Version(info.FileMajorPart, info.FileMinorPart, info.FileBuildPart, info.FilePrivatePart);
    }

    /// <summary>
    /// The default context's Resolving handler: it answers only for Matchmade.Core (the cmdlets' one reference into
    /// the private context); every other name is left to whoever else resolves it.
    /// </summary>
    internal static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, CoreAssemblyName, StringComparison.Ordinal) ? Instance.LoadFromAssemblyName(name) : null;
}
