namespace Matchmade.Core.Verification;

public enum CheckSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One check's verdict, with the figures it compared and a few ids to look at. <see cref="Skipped"/>: the check could
/// not run here (e.g. the reconciliation once the archive is removed); not passed, and <see cref="Detail"/> says why.
/// </summary>
public sealed record IntegrityCheckResult(
    string Name,
    bool Passed,
    CheckSeverity Severity,
    string Observed,
    string Expected,
    string Detail,
    IReadOnlyList<string> SampleIds,
    bool Skipped = false);
