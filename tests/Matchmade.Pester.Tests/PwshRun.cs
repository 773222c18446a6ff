using System.Diagnostics;
using System.Text;
using Matchmade.Fixtures;

namespace Matchmade.Pester.Tests;

public sealed record PwshResult(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;
}

/// <summary>Runs real pwsh (dotnet pwsh.dll) as a child process with output captured, in its own working directory.</summary>
public static class PwshRun
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ModuleManifest => Path.Combine(RepoRoot, "out", "Matchmade", "Matchmade.psd1");

    /// <summary>Runs pwsh with <paramref name="arguments"/> (<c>-Command script</c>, or <c>-File</c>) and these environment variables.</summary>
    public static PwshResult Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory, TimeSpan timeout)
    {
        var info = Pwsh.StartInfo(arguments);
        info.WorkingDirectory = workingDirectory;
        Apply(info, environment);
        return Capture(info, timeout);
    }

    /// <summary>Runs a child (<paramref name="info"/> with output redirected) to its end and returns what it printed.</summary>
    public static PwshResult Capture(ProcessStartInfo info, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(info.FileName)} did not finish within {timeout}:\n{output}\n{error}");
        }

        process.WaitForExit(); // drains the output
        return new PwshResult(process.ExitCode, output.ToString(), error.ToString());
    }

    /// <summary>A script for <c>pwsh -Command</c>, with the module imported.</summary>
    public static PwshResult Command(string script, IReadOnlyDictionary<string, string?> environment, string workingDirectory) =>
        Run(["-Command", "$ErrorActionPreference = 'Stop'; Import-Module -Name $env:MATCHMADE_MODULE; " + script], environment, workingDirectory, TimeSpan.FromMinutes(5));

    /// <summary>
    /// The environment every child gets: the module's manifest, Pester on PSModulePath, PostgreSQL's client on PATH,
    /// no DATABASE_URL or DIRECT_URL from the caller, plain text output.
    /// </summary>
    public static void Apply(ProcessStartInfo info, IReadOnlyDictionary<string, string?> environment)
    {
        info.Environment["MATCHMADE_MODULE"] = ModuleManifest;
        info.Environment["PSModulePath"] = Pwsh.PesterModulePath();
        info.Environment["DATABASE_URL"] = null;
        info.Environment["DIRECT_URL"] = null;
        info.Environment["NO_COLOR"] = "1";
        if (TestServer.Shared.Cluster is { } cluster)
        {
            info.Environment["PATH"] = cluster.BinDirectory + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Matchmade.slnx not found above " + AppContext.BaseDirectory);
    }
}
