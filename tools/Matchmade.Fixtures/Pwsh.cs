using System.Diagnostics;
using System.Reflection;

namespace Matchmade.Fixtures;

/// <summary>
/// Real pwsh (the PowerShell .NET tool at the version .config/dotnet-tools.json pins) and the Pester module, both
/// fetched into the NuGet cache by this project's restore (PackageDownload), so nothing has to be installed first.
/// pwsh runs as <c>dotnet pwsh.dll</c>: one process, which a test can signal and kill.
/// </summary>
public static class Pwsh
{
    public static string Version => Metadata("PwshVersion");

    /// <summary>pwsh.dll of the restored tool package.</summary>
    public static string Dll
    {
        get
        {
            var dll = Path.Combine(Path.GetDirectoryName(Metadata("PwshDll"))!, "..", OperatingSystem.IsWindows() ? "win" : "unix", "pwsh.dll");
            return File.Exists(dll)
                ? Path.GetFullPath(dll)
                : throw new FileNotFoundException($"pwsh {Version} is not in the NuGet cache ({dll}); run 'dotnet restore' (or 'dotnet tool restore').");
        }
    }

    /// <summary>The dotnet host that runs pwsh.dll: the one running this process when it is dotnet, else the SDK's.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Path.GetFileNameWithoutExtension(Environment.ProcessPath) is "dotnet" ? Environment.ProcessPath!
        : "dotnet";

    /// <summary>
    /// A folder to put on PSModulePath that holds the Pester module (a copy of the package's tools/ as Pester/,
    /// the layout Import-Module expects), made once per version.
    /// </summary>
    public static string PesterModulePath()
    {
        var tools = Metadata("PesterDirectory");
        var version = new DirectoryInfo(Path.GetDirectoryName(tools)!).Name;
        var root = Path.Combine(Path.GetTempPath(), "matchmade-pester-" + version);
        var module = Path.Combine(root, "Pester");
        if (File.Exists(Path.Combine(module, "Pester.psd1")))
        {
            return root;
        }

        if (!File.Exists(Path.Combine(tools, "Pester.psd1")))
        {
            throw new FileNotFoundException($"Pester {version} is not in the NuGet cache ({tools}); run 'dotnet restore'.");
        }

        // Copy next to the final place, then move: concurrent callers never see half a module.
        var staging = root + "." + Guid.NewGuid().ToString("N");
        Copy(tools, Path.Combine(staging, "Pester"));
        try
        {
            Directory.Move(staging, root);
        }
        catch (IOException) when (File.Exists(Path.Combine(module, "Pester.psd1")))
        {
            Directory.Delete(staging, recursive: true); // another process won
        }

        return root;
    }

    /// <summary>dotnet pwsh.dll -NoProfile [-NonInteractive] args..., output redirected unless <paramref name="console"/>.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool console = false)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardOutput = !console,
            RedirectStandardError = !console,
            RedirectStandardInput = !console,
        };
        info.ArgumentList.Add(Dll);
        info.ArgumentList.Add("-NoProfile");
        if (!console)
        {
            info.ArgumentList.Add("-NonInteractive");
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["POWERSHELL_UPDATECHECK"] = "Off";
        return info;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private static string Metadata(string key) =>
        typeof(Pwsh).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
