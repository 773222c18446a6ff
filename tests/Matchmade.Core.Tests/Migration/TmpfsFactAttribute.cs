namespace Matchmade.Core.Tests.Migration;

/// <summary>Runs where this process may mount a tmpfs (root on Linux, as in CI): a small file system to fill up.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly bool Available = Probe();

    public TmpfsFactAttribute()
    {
        if (!Available)
        {
            Skip = "needs to mount a tmpfs (root on Linux)";
        }
    }

    public static string Mount(int kilobytes)
    {
        var directory = Directory.CreateTempSubdirectory("mm-tmpfs-").FullName;
        if (Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", directory) != 0)
        {
            Directory.Delete(directory);
            throw new InvalidOperationException("mount -t tmpfs failed");
        }

        return directory;
    }

    public static void Unmount(string directory)
    {
        Run("umount", directory);
        Directory.Delete(directory, recursive: true);
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return false;
        }

        try
        {
            Unmount(Mount(kilobytes: 16));
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    }

    private static int Run(string file, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
