using Matchmade.Fixtures;

namespace Matchmade.Pester.Tests;

/// <summary>
/// Every tests/pwsh/*.Tests.ps1, found when the tests are listed, run by Invoke-Pester in real pwsh against its own
/// fresh database (the environment TestHelpers.psm1 documents). A failed Pester test fails this case, by name.
/// </summary>
public sealed class PwshSuiteTests
{
    private static readonly string SuiteDirectory = Path.Combine(PwshRun.RepoRoot, "tests", "pwsh");

    public static TheoryData<string> Suites() => [.. Directory.GetFiles(SuiteDirectory, "*.Tests.ps1").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Suites))]
    public void The_suite_passes_in_real_pwsh(string suite)
    {
        var database = SampleDatabases.Clone("pwsh_" + Path.GetFileNameWithoutExtension(suite).Replace(".Tests", string.Empty, StringComparison.Ordinal));
        try
        {
            var outcome = PesterHost.Run(Path.Combine(SuiteDirectory, suite), SampleDatabases.SuiteEnvironment(database));
            Assert.True(outcome.Failed == 0 && outcome.ExitCode == 0 && outcome.Passed > 0, outcome.Describe());
        }
        finally
        {
            TestServer.Shared.DropDatabase(database);
        }
    }
}
