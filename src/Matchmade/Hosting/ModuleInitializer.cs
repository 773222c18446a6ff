using System.Management.Automation;
using System.Runtime.Loader;

namespace Matchmade.Hosting;

/// <summary>Hooks the private load context up when the module is imported and unhooks it when it is removed.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static int registered;

    public void OnImport() => Register();

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        if (Interlocked.Exchange(ref registered, 0) == 1)
        {
            AssemblyLoadContext.Default.Resolving -= MatchmadeLoadContext.ResolveCore;
        }
    }

    internal static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += MatchmadeLoadContext.ResolveCore;
        }
    }
}
