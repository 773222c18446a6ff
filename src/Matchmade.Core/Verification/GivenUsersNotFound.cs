using System.Globalization;

namespace Matchmade.Core.Verification;

/// <summary>
/// Of the user ids given to the reconciliation (-UserId), those that are no user: <see cref="Count"/> of
/// <see cref="Given"/> distinct ids, the first few <see cref="Named"/> in order, looked for in <see cref="Table"/>.
/// </summary>
internal sealed record GivenUsersNotFound(int Count, int Given, IReadOnlyList<string> Named, string Table)
{
    /// <summary>
    /// The check's result with the unknown ids said: not passed (nothing was proven of them), at least a Warning,
    /// the ids named in the Detail and among the sample ids. Unchanged when every id is a user.
    /// </summary>
    public IntegrityCheckResult Apply(IntegrityCheckResult result)
    {
        if (Count == 0)
        {
            return result;
        }

        var names = string.Join(", ", Named.Select(id => $"'{id}'")) + (Count > Named.Count ? ", …" : string.Empty);
        return result with
        {
            Passed = false,
            Severity = result.Severity == CheckSeverity.Error ? CheckSeverity.Error : CheckSeverity.Warning,
            Observed = string.Create(CultureInfo.InvariantCulture, $"{result.Observed}; {Count} given {(Count == 1 ? "id" : "ids")} not found"),
            Detail = string.Create(CultureInfo.InvariantCulture,
                $"{result.Detail} {Count} of the {Given} given user ids {(Count == 1 ? "is" : "are")} not in {Table}, so nothing was checked for {(Count == 1 ? "it" : "them")}: {names}. Check the ids (they are case-sensitive) and run the check again."),
            SampleIds = [.. result.SampleIds.Concat(Named).Take(5)],
        };
    }
}
