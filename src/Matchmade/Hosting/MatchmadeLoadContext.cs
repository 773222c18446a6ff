using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Matchmade.Hosting;

/// <summary>
/// The module's private load context. Matchmade.Core and everything it needs (Npgsql, System.Text.Json, ...)
/// load here from the module's Dependencies folder, so versions that PowerShell or other modules loaded in the
/// default context never clash with ours. Assemblies not in Dependencies (the framework) come from the default context.
/// </summary>
/// <remarks>
/// A Release build also carries copies compiled ahead of time (ReadyToRun) for the runtimes and platforms pwsh 7.4 and
/// 7.6 run on, in Dependencies/&lt;framework&gt;-&lt;platform&gt; (src/Matchmade.Precompiled): the same assemblies with
/// native code beside their IL, used only under the runtime major version they were compiled against. Where the
/// running runtime and platform have such a folder, its copies are taken first; anywhere else the portable ones.
///
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
    private readonly string? precompiledDirectory;
    private readonly string frameworkDirectory;

    private MatchmadeLoadContext(string dependencyDirectory, string frameworkDirectory)
        : base("Matchmade", isCollectible: false)
    {
        this.dependencyDirectory = dependencyDirectory;
        this.frameworkDirectory = frameworkDirectory;
        var precompiled = RuntimePlatform is { } platform ? Path.Combine(dependencyDirectory, platform) : null;
        precompiledDirectory = Directory.Exists(precompiled) ? precompiled : null;
    }

    public const string CoreAssemblyName = "Matchmade.Core";

    public static string DependencyDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(MatchmadeLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, "Dependencies");

    /// <summary>The running runtime's shared framework (where System.Private.CoreLib is).</summary>
    public static string FrameworkDirectory { get; } = Path.GetDirectoryName(typeof(object).Assembly.Location) ?? string.Empty;

    /// <summary>
    /// The name of the precompiled folder for the running runtime and platform (net10.0-linux-x64, net8.0-win-x64, ...);
    /// null on a platform no copy is ever compiled for.
    /// </summary>
    internal static string? RuntimePlatform { get; } = PlatformName();

    private static string? PlatformName()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : OperatingSystem.IsLinux() ? "linux" : null;
        var arch = RuntimeInformation.ProcessArchitecture switch { Architecture.X64 => "x64", Architecture.Arm64 => "arm64", _ => null };
        return os is null || arch is null ? null : string.Create(CultureInfo.InvariantCulture, $"net{Environment.Version.Major}.0-{os}-{arch}");
    }

    // After the properties it reads: static initializers run in the order written.
    public static MatchmadeLoadContext Instance { get; } = new(DependencyDirectory, FrameworkDirectory);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var precompiled = precompiledDirectory is null ? null : Path.Combine(precompiledDirectory, assemblyName.Name + ".dll");
        if (File.Exists(precompiled))
        {
            return LoadFromAssemblyPath(precompiled);
        }

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
    internal static bool PreferFramework(Version? frameworkAssembly, Version frameworkFile, Version? ourAssembly, Version ourFile)
    {
        if (frameworkAssembly is null || ourAssembly is null)
        {
            return false;
        }

        var byAssembly = frameworkAssembly.CompareTo(ourAssembly);
        return byAssembly > 0 || (byAssembly == 0 && frameworkFile >= ourFile);
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
