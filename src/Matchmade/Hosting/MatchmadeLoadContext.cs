using System.Reflection;
using System.Runtime.Loader;

namespace Matchmade.Hosting;

/// <summary>
/// The module's private load context. Matchmade.Core and everything it needs (Npgsql, System.Text.Json, ...)
/// load here from the module's Dependencies folder, so versions that PowerShell or other modules loaded in the
/// default context never clash with ours. Assemblies not in Dependencies (the framework) come from the default context.
/// </summary>
internal sealed class MatchmadeLoadContext : AssemblyLoadContext
{
    private readonly string dependencyDirectory;

    private MatchmadeLoadContext(string dependencyDirectory)
        : base("Matchmade", isCollectible: false) => this.dependencyDirectory = dependencyDirectory;

    public const string CoreAssemblyName = "Matchmade.Core";

    public static string DependencyDirectory { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(MatchmadeLoadContext).Assembly.Location) ?? AppContext.BaseDirectory, "Dependencies");

    public static MatchmadeLoadContext Instance { get; } = new(DependencyDirectory);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(dependencyDirectory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// The default context's Resolving handler: it answers only for Matchmade.Core (the cmdlets' one reference into
    /// the private context); every other name is left to whoever else resolves it.
    /// </summary>
    internal static Assembly? ResolveCore(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, CoreAssemblyName, StringComparison.Ordinal) ? Instance.LoadFromAssemblyName(name) : null;
}
