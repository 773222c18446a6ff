using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace Matchmade.Tests.Hosting;

/// <summary>
/// A real PowerShell engine with the built module imported from out/Matchmade by its manifest. Every stream a run
/// produces is kept, so tests can assert on output, errors, verbose text and progress, and scan them for secrets.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace runspace;

    public PowerShellSession(bool importModule = true)
    {
        var state = InitialSessionState.CreateDefault2();
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        if (importModule)
        {
            Run("Import-Module -Name $args[0] -ErrorAction Stop", ModuleManifest).ThrowOnError();
        }
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>For tests that drive a pipeline themselves (BeginInvoke/Stop).</summary>
    public Runspace Runspace => runspace;

    public static string ModuleDirectory => Path.Combine(RepoRoot, "out", "Matchmade");

    public static string ModuleManifest => Path.Combine(ModuleDirectory, "Matchmade.psd1");

    /// <summary>Everything any session captured in this process, for the password scans.</summary>
    public static StringBuilder Transcript { get; } = new();

    /// <summary>Runs a script; positional values are $args[0..]; named values become variables.</summary>
    public RunResult Run(string script, params object?[] args) => Run(script, null, args);

    public RunResult Run(string script, IDictionary<string, object?>? variables, params object?[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        if (variables is not null)
        {
            foreach (var (name, value) in variables)
            {
                runspace.SessionStateProxy.SetVariable(name, value);
            }
        }

        ps.AddScript(script);
        foreach (var arg in args)
        {
            ps.AddArgument(arg);
        }

        Collection<PSObject> output;
        Exception? thrown = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            output = [];
            thrown = e;
        }

        var result = new RunResult(
            [.. output],
            [.. ps.Streams.Error],
            [.. ps.Streams.Warning.Select(w => w.Message)],
            [.. ps.Streams.Verbose.Select(v => v.Message)],
            [.. ps.Streams.Debug.Select(d => d.Message)],
            [.. ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty)],
            [.. ps.Streams.Progress],
            thrown);
        lock (Transcript)
        {
            Transcript.AppendLine(result.AllText());
        }

        return result;
    }

    public void Dispose() => runspace.Dispose();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matchmade.psd1")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (a folder with Matchmade.psd1 and src/) above " + AppContext.BaseDirectory);
    }
}

public sealed record RunResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Debug,
    IReadOnlyList<string> Information,
    IReadOnlyList<ProgressRecord> Progress,
    Exception? Thrown)
{
    /// <summary>All errors: the error stream plus a terminating error that escaped Invoke.</summary>
    public IReadOnlyList<ErrorRecord> AllErrors =>
        Thrown is IContainsErrorRecord withRecord ? [.. Errors, withRecord.ErrorRecord] : Errors;

    public RunResult ThrowOnError()
    {
        if (Thrown is not null || Errors.Count > 0)
        {
            throw new InvalidOperationException("PowerShell reported errors:\n" + string.Join("\n", AllErrors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")), Thrown);
        }

        return this;
    }

    /// <summary>Every piece of text the run produced, including each error's exception chain and each object's properties.</summary>
    public string AllText()
    {
        var text = new StringBuilder();
        foreach (var o in Output)
        {
            text.AppendLine(o?.ToString());
            foreach (var p in o?.Properties ?? Enumerable.Empty<PSPropertyInfo>())
            {
                try
                {
                    text.Append(p.Name).Append('=').AppendLine(p.Value?.ToString());
                }
                catch (GetValueException)
                {
                }
            }
        }

        foreach (var e in AllErrors)
        {
            text.AppendLine(e.ToString()).AppendLine(e.FullyQualifiedErrorId).AppendLine(e.ErrorDetails?.Message);
            for (var ex = e.Exception; ex is not null; ex = ex.InnerException)
            {
                text.AppendLine(ex.ToString());
            }
        }

        for (var ex = Thrown; ex is not null; ex = ex.InnerException)
        {
            text.AppendLine(ex.ToString());
        }

        foreach (var s in Warnings.Concat(Verbose).Concat(Debug).Concat(Information))
        {
            text.AppendLine(s);
        }

        foreach (var p in Progress)
        {
            text.AppendLine(p.Activity).AppendLine(p.StatusDescription).AppendLine(p.CurrentOperation);
        }

        return text.ToString();
    }
}
