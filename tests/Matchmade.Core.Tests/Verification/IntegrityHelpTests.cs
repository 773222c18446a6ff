using System.Text.RegularExpressions;
using Matchmade.Core.Tests.Merge;
using Matchmade.Core.Verification;

namespace Matchmade.Core.Tests.Verification;

/// <summary>docs/help/Test-MigrationIntegrity.md says what the checker does: how many checks, in which order.</summary>
public sealed class IntegrityHelpTests
{
    private static readonly string Help = File.ReadAllText(Path.Combine(QaUsersTests.RepoRoot(), "docs", "help", "Test-MigrationIntegrity.md"));

    [Fact]
    public void The_help_counts_the_checks_and_lists_them_in_the_order_they_run()
    {
        Assert.Contains($"Runs all {IntegrityChecks.Names.Count} checks", Help, StringComparison.Ordinal);

        // "It runs, in this order:" — each check's first mention in that list, in order.
        var list = Help[Help.IndexOf("It runs, in this order:", StringComparison.Ordinal)..Help.IndexOf("After Complete-ProfileMigration", StringComparison.Ordinal)];
        var mentioned = IntegrityChecks.Names.OrderBy(n => Word(n).Match(list) is { Success: true } m ? m.Index : int.MaxValue).ToList();
        Assert.All(IntegrityChecks.Names, n => Assert.Matches(Word(n), list));
        Assert.Equal(IntegrityChecks.Names, mentioned);
    }

    private static Regex Word(string name) => new($@"\b{name}\b", RegexOptions.CultureInvariant);
}
