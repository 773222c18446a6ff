using System.Reflection;
using System.Text.RegularExpressions;
using Matchmade.Core.Errors;
using Matchmade.Core.Tests.Merge;

namespace Matchmade.Core.Tests.Connection;

public sealed class ErrorIdsTests
{
    [Fact]
    public void The_error_ids_are_exactly_the_list_README_documents_and_each_is_its_own_name()
    {
        var constants = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.All(constants, f => Assert.Equal(f.Name, (string)f.GetRawConstantValue()!));
        var readme = File.ReadAllText(Path.Combine(QaUsersTests.RepoRoot(), "README.md"));
        var paragraph = readme[readme.IndexOf("Errors are `ErrorRecord`s with stable ids", StringComparison.Ordinal)..];
        paragraph = paragraph[..paragraph.IndexOf("\n\n", StringComparison.Ordinal)];
        var documented = Regex.Matches(paragraph, "`([A-Z][A-Za-z]+)`").Select(m => m.Groups[1].Value).Where(n => n != "ErrorRecord").ToList();
        Assert.Equal(constants.Select(f => f.Name).Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
        Assert.Equal(documented.Count, documented.Distinct(StringComparer.Ordinal).Count());
    }
}
