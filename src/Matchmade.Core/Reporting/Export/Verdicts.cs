using System.Globalization;

namespace Matchmade.Core.Reporting.Export;

public enum VerdictState
{
    Pass,
    Fail,
    Unknown,
}

/// <summary>One of the seed's success criteria, judged from the report: the verdict, the figure and how it was judged.</summary>
public sealed record Verdict(string Id, string Criterion, VerdictState State, string Figure, string Basis);

/// <summary>The seed's success criteria ("Success Criteria Met" in the seed's log), judged from a report's aggregate.</summary>
public static class Verdicts
{
    /// <summary>The seed's bound on the conflict rate: users with a conflict, over users migrated.</summary>
    public const double ConflictRateLimit = 0.05;

    public static IReadOnlyList<Verdict> Judge(ReportAggregate a)
    {
        ArgumentNullException.ThrowIfNull(a);
        return [NothingLost(a), ConflictRate(a), Errors(a), Integrity(a)];
    }

    /// <summary>Users in scope whose outcome the report states (migrated, skipped or failed).</summary>
    public static long UsersAccounted(ReportCounts c) => c.UsersMigrated + c.UsersSkipped + c.UsersFailed;

    public static double? Rate(ReportAggregate a) => a.Counts.UsersMigrated == 0 ? null : (double)a.UsersWithConflicts / a.Counts.UsersMigrated;

    private static Verdict NothingLost(ReportAggregate a)
    {
        var c = a.Counts;
        var problems = new List<string>();
        void Check(string what, long stated, long found)
        {
            if (stated != found)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: the counts say {stated:N0}, the lists hold {found:N0}"));
            }
        }

        Check("conflicts", c.Conflicts, a.ConflictEntries);
        Check("unmapped keys", c.UnmappedKeys, a.UnmappedKeys);
        Check("invalid values", c.InvalidValues, a.InvalidEntries);
        Check("errors", c.Errors, a.ErrorEntries);
        Check("failed users", c.UsersFailed, a.UserErrors);
        var accounted = UsersAccounted(c);
        var completed = a.Run.Status == "Completed";
        if (completed ? accounted != c.UsersTotal : accounted > c.UsersTotal)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"users: {accounted:N0} migrated, skipped or failed of {c.UsersTotal:N0} in scope"));
        }

        var figure = string.Create(CultureInfo.InvariantCulture,
            $"{accounted:N0} of {c.UsersTotal:N0} users accounted for; every conflict, unmapped key, invalid value and error listed");
        const string basis = "Every user in scope is migrated, skipped or failed (with an error entry), and the report lists every finding its counts state: each old key is in a new column, the conflicts, the unmapped or the invalid list, and the old rows keep everything. Test-MigrationIntegrity's nothing-lost check proves it key by key against the database.";
        if (problems.Count > 0)
        {
            return new Verdict("nothing-lost", "Zero data loss", VerdictState.Fail, string.Join("; ", problems), basis);
        }

        return completed
            ? new Verdict("nothing-lost", "Zero data loss", VerdictState.Pass, figure, basis)
            : new Verdict("nothing-lost", "Zero data loss", VerdictState.Unknown,
                string.Create(CultureInfo.InvariantCulture, $"the run is {a.Run.Status}: {c.UsersTotal - accounted:N0} users are left for the next run; nothing of the others was lost"), basis);
    }

    private static Verdict ConflictRate(ReportAggregate a)
    {
        var rate = Rate(a);
        const string basis = "Users with at least one conflict, over the users migrated; the seed's criterion is under 5%.";
        if (rate is null)
        {
            return new Verdict("conflict-rate", "Conflict rate under 5%", VerdictState.Unknown, "no user was migrated", basis);
        }

        var figure = string.Create(CultureInfo.InvariantCulture,
            $"{PageText.Percent(rate.Value)} ({a.UsersWithConflicts:N0} of {a.Counts.UsersMigrated:N0} users; {a.ConflictEntries:N0} conflicting fields)");
        return new Verdict("conflict-rate", "Conflict rate under 5%", rate < ConflictRateLimit ? VerdictState.Pass : VerdictState.Fail, figure, basis);
    }

    private static Verdict Errors(ReportAggregate a)
    {
        var runErrors = a.ErrorEntries - a.UserErrors;
        var completed = a.Run.Status == "Completed";
        var figure = string.Create(CultureInfo.InvariantCulture,
            $"{a.UserErrors:N0} users failed, {runErrors:N0} run-level errors; run {a.Run.Status}{(a.Run.Message is null ? string.Empty : ": " + a.Run.Message)}");
        const string basis = "No user failed, nothing stopped the run, and the run completed.";
        return new Verdict("errors", "No errors", a.ErrorEntries == 0 && completed ? VerdictState.Pass : VerdictState.Fail, figure, basis);
    }

    private static Verdict Integrity(ReportAggregate a)
    {
        const string basis = "Test-MigrationIntegrity: the seed's verification queries, the schema, Prisma's history, every user reconciled with the old tables.";
        if (a.Options.Integrity is not { } integrity)
        {
            return new Verdict("integrity", "Verification queries pass", VerdictState.Unknown,
                "not known: the report does not record it. Run Test-MigrationIntegrity and pass its output with -IntegrityCheck.", basis);
        }

        var skipped = integrity.Skipped ?? [];
        var ran = integrity.Checks - skipped.Count;
        var figure = integrity.Failed.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"all {ran} checks {(skipped.Count == 0 ? string.Empty : "that ran ")}passed")
            : string.Create(CultureInfo.InvariantCulture, $"{integrity.Failed.Count} of {ran} checks failed: {string.Join(", ", integrity.Failed)}");
        figure += skipped.Count == 0 ? string.Empty : $"; not run here (no verdict): {string.Join(", ", skipped)}";
        // A skipped check proves nothing either way: not a pass (Test-MigrationIntegrity -Quiet fails closed too).
        var state = integrity.Failed.Count > 0 || integrity.Checks == 0 ? VerdictState.Fail : skipped.Count > 0 ? VerdictState.Unknown : VerdictState.Pass;
        return new Verdict("integrity", "Verification queries pass", state, figure, basis);
    }
}
