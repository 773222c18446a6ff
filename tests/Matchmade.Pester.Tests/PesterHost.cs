using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Matchmade.Pester.Tests;

public sealed record PesterFailure(string Name, string Message);

/// <summary>One suite's outcome: Pester's NUnit XML read back, its counts, and everything pwsh printed.</summary>
public sealed record PesterOutcome(string Suite, int Passed, IReadOnlyList<PesterFailure> Failures, int FailedBlocks, int FailedContainers, int ExitCode, string Output)
{
    public int Failed => Failures.Count + FailedBlocks + FailedContainers;

    public string SummaryLine => $"pester: {Passed} passed, {Failed} failed";

    /// <summary>Each failed test with its name and error, then pwsh's output when something failed outside a test.</summary>
    public string Describe()
    {
        var text = new StringBuilder($"{Suite}: {SummaryLine}");
        foreach (var failure in Failures)
        {
            text.Append("\n  [-] ").Append(failure.Name).Append("\n      ").Append(failure.Message.Replace("\n", "\n      ", StringComparison.Ordinal));
        }

        if (FailedBlocks + FailedContainers > 0 || ExitCode != 0 && Failures.Count == 0)
        {
            text.Append("\n--- pwsh output ---\n").Append(Output);
        }

        return text.ToString();
    }
}

/// <summary>Runs a Pester suite in real pwsh (run-pester.ps1: Invoke-Pester with a configuration object, NUnit XML).</summary>
public static partial class PesterHost
{
    /// <summary>Where the suites' XML results and the summary lines go (CI prints pester-summary.txt).</summary>
    public static string ResultsDirectory { get; } = Directory.CreateDirectory(Path.Combine(PwshRun.RepoRoot, "out", "pester")).FullName;

    /// <summary>
    /// Runs the suite; <paramref name="situation"/> names what the host prepared (it goes into the summary line);
    /// <paramref name="data"/>, when given, is the container's data (New-PesterContainer -Data: the suite's parameters).
    /// </summary>
    public static PesterOutcome Run(string suitePath, IReadOnlyDictionary<string, string?> environment, string? situation = null, IReadOnlyDictionary<string, string>? data = null)
    {
        var name = Path.GetFileName(suitePath) + (situation is null ? string.Empty : $" ({situation})");
        var xml = Path.Combine(ResultsDirectory, Path.GetFileNameWithoutExtension(suitePath) + "-" + Guid.NewGuid().ToString("N")[..6] + ".xml");
        var work = Directory.CreateTempSubdirectory("mm-pester-").FullName;
        try
        {
            var script = Path.Combine(AppContext.BaseDirectory, "run-pester.ps1");
            List<string> arguments = ["-File", script, "-Path", suitePath, "-ResultPath", xml];
            if (data is not null)
            {
                arguments.AddRange(["-DataJson", JsonSerializer.Serialize(data)]);
            }

            var result = PwshRun.Run(arguments, environment, work, TimeSpan.FromMinutes(10));
            var outcome = Read(name, xml, result);
            Record(outcome);
            return outcome;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static PesterOutcome Read(string suite, string xml, PwshResult result)
    {
        var counts = CountsLine().Match(result.Output);
        if (!counts.Success || !File.Exists(xml))
        {
            return new PesterOutcome(suite, 0, [], 0, 1, result.ExitCode, result.All);
        }

        var cases = XDocument.Load(xml).Descendants("test-case").ToList();
        var failures = cases
            .Where(c => (string?)c.Attribute("result") == "Failure")
            .Select(c => new PesterFailure(
                (string?)c.Attribute("name") ?? (string?)c.Attribute("description") ?? "?",
                ((string?)c.Element("failure")?.Element("message") ?? string.Empty).Trim()))
            .ToList();
        var passed = cases.Count(c => (string?)c.Attribute("result") == "Success");
        return new PesterOutcome(suite, passed, failures, int.Parse(counts.Groups["blocks"].Value), int.Parse(counts.Groups["containers"].Value), result.ExitCode, result.All);
    }

    private static void Record(PesterOutcome outcome)
    {
        var line = $"{outcome.Suite}: {outcome.SummaryLine}";
        Console.WriteLine(line);
        lock (ResultsDirectory)
        {
            File.AppendAllText(Path.Combine(ResultsDirectory, "pester-summary.txt"), line + Environment.NewLine);
        }
    }

    [GeneratedRegex(@"^pester-counts: passed=\d+ failed=\d+ failedBlocks=(?<blocks>\d+) failedContainers=(?<containers>\d+)", RegexOptions.Multiline)]
    private static partial Regex CountsLine();
}
