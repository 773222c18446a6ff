using Matchmade.Core.Reporting;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>A temp folder per test class, and a report written into it in one call.</summary>
public abstract class ReportFiles : IDisposable
{
    /// <summary>23:30 at UTC-2 is already the next day in UTC: the file name must use the UTC date.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 11, 24, 23, 30, 0, TimeSpan.FromHours(-2));

    protected static readonly Guid RunId = new("0b5e3c1a-7d2f-4e61-9a0c-5f2d8e4b7a19");

    protected ReportFiles()
    {
        Dir = Directory.CreateTempSubdirectory("mm-report-").FullName;
    }

    protected string Dir { get; }

    public void Dispose()
    {
        if (!OperatingSystem.IsWindows())
        {
            foreach (var d in Directory.GetDirectories(Dir, "*", SearchOption.AllDirectories).Prepend(Dir))
            {
                File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected static ReportRunInfo Run(string status = "Completed") => new()
    {
        RunId = RunId,
        Mode = "Live",
        Status = status,
        ModuleVersion = "0.1.0",
        RulesFingerprint = "f00d",
        StartedAt = Start,
        FinishedAt = Start.AddSeconds(90),
        Server = "db.internal:5432",
        Database = "app",
        Schema = "public",
        UserName = "dba",
        Parameters = new Dictionary<string, string?> { ["batchSize"] = "5000", ["userIds"] = null },
        Message = null,
    };

    /// <summary>Counts as the runner gives them: the writer's running counts plus the user figures.</summary>
    protected static ReportCounts Counts(ReportWriter w) => new()
    {
        UsersTotal = 10,
        UsersMigrated = 7,
        UsersSkipped = 2,
        UsersFailed = 1,
        ProfilesWritten = 7,
        ContextIntentsWritten = 12,
        Conflicts = w.Conflicts,
        UnmappedFields = w.UnmappedEntries,
        UnmappedKeys = w.UnmappedKeys,
        InvalidValues = w.InvalidValues,
        Errors = w.Errors,
    };

    protected static string Write(string? target, Action<ReportWriter> findings, bool redact = false)
    {
        using var writer = ReportWriter.Create(target, Start, redact);
        findings(writer);
        return writer.Complete(Run(), Counts(writer));
    }
}
