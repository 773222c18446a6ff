using System.Management.Automation;
using Matchmade.Core;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Hosting;

namespace Matchmade.Commands;

/// <summary>
/// What every Matchmade cmdlet shares: the connection parameters, cancellation on Ctrl+C, and turning the core's
/// failures into ErrorRecords with stable ids. Members that touch core types are not public, so PowerShell's
/// reflection over the cmdlets never needs the private load context before the module is imported.
/// </summary>
public abstract class MatchmadeCommandBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private IMatchmadeEngine? engine;

    static MatchmadeCommandBase() => ModuleInitializer.Register();

    /// <summary>Npgsql connection string or postgresql:// URL (Prisma's DATABASE_URL). Default: $env:DATABASE_URL.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DatabaseUrl", "Url")]
    [ValidateNotNullOrEmpty]
    public string? ConnectionString { get; set; }

    /// <summary>User name and password; they override the ones in the connection string.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The app's schema. Default: the URL's ?schema= parameter, else public.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Schema { get; set; }

    private protected CancellationToken Cancellation => cancellation.Token;

    private protected IMatchmadeEngine Engine => engine ??= MatchmadeEngine.Connect(BuildRequest(), new PowerShellLog(this));

    public void Dispose()
    {
        engine?.Dispose();
        cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void StopProcessing() => cancellation.Cancel();

    /// <summary>
    /// Closes this record's database; the next record builds its own engine from its own connection parameters
    /// (they may come from the pipeline by property name, one database per record).
    /// </summary>
    private protected void ReleaseEngine()
    {
        engine?.Dispose();
        engine = null;
    }

    protected override void EndProcessing()
    {
        engine?.Dispose();
        engine = null;
    }

    /// <summary>Runs a piece of core work; a core failure becomes this cmdlet's terminating error.</summary>
    private protected void Invoke(Action work)
    {
        try
        {
            work();
        }
        catch (MatchmadeException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    private protected void WriteMatchmadeError(MatchmadeException e) => WriteError(ErrorRecords.From(e));

    /// <summary>The latest run (null) or this run of the database's run history; RunNotFound when there is none.</summary>
    private protected RunRecord FindRun(Guid? runId)
    {
        var runs = Engine.Runs(runId, 1, Cancellation);
        return runs.Count > 0
            ? runs[0]
            : throw new MatchmadeException("RunNotFound", FailureKind.ObjectNotFound,
                runId is null ? $"The database has no Matchmade run history for schema '{Engine.Target.Schemas.App}' (no live run yet)." : $"No run {runId} in the database's run history for schema '{Engine.Target.Schemas.App}'.");
    }

    /// <summary>The newest migration-report-*.json in the current location (a terminating ReportNotFound when there is none).</summary>
    private protected string NewestReport()
    {
        var here = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var newest = new DirectoryInfo(here).EnumerateFiles(ReportFormat.FilePrefix + "*.json").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault();
        if (newest is null)
        {
            ThrowTerminatingError(ErrorRecords.From(new MatchmadeException("ReportNotFound", FailureKind.ObjectNotFound,
                $"No {ReportFormat.FilePrefix}*.json in '{here}'. Pass a report's path, or -ConnectionString … -Latest to read the database's run history.", target: here)));
        }

        return newest!.FullName;
    }

    private ConnectionRequest BuildRequest()
    {
        var network = Credential?.GetNetworkCredential();
        return new ConnectionRequest
        {
            ConnectionString = ConnectionString,
            UserName = string.IsNullOrEmpty(network?.UserName) ? null : network.UserName,
            Password = network?.Password,
            Schema = Schema,
        };
    }
}

/// <summary>
/// Relays the core's log to the cmdlet's verbose, warning and progress streams (on the pipeline thread). Once the
/// pipeline is stopping (Ctrl+C) PowerShell refuses every write, so the log goes quiet instead of failing the run's
/// orderly finish (current batch, report, run history).
/// </summary>
internal sealed class PowerShellLog(Cmdlet cmdlet) : IOperationLog
{
    private static int nextActivityId = 1;
    private readonly int activityId = Interlocked.Increment(ref nextActivityId);

    public void Verbose(string message) => Write(() => cmdlet.WriteVerbose(Secrets.Scrub(message)));

    public void Warning(string message) => Write(() => cmdlet.WriteWarning(Secrets.Scrub(message)));

    public void Progress(OperationProgress progress) => Write(() => WriteProgress(progress));

    private void Write(Action write)
    {
        if (cmdlet.Stopping)
        {
            return;
        }

        try
        {
            write();
        }
        catch (PipelineStoppedException)
        {
            // Stopped between the check and the write.
        }
    }

    private void WriteProgress(OperationProgress progress)
    {
        var record = new ProgressRecord(activityId, progress.Activity, progress.Status)
        {
            PercentComplete = Math.Clamp(progress.PercentComplete, -1, 100),
            SecondsRemaining = progress.Remaining is { } remaining ? (int)Math.Min(int.MaxValue, remaining.TotalSeconds) : -1,
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        cmdlet.WriteProgress(record);
    }
}

internal static class ErrorRecords
{
    public static ErrorRecord From(MatchmadeException e) => new(e, e.ErrorId, Category(e.Kind), e.Target);

    public static ErrorCategory Category(FailureKind kind) => kind switch
    {
        FailureKind.InvalidArgument => ErrorCategory.InvalidArgument,
        FailureKind.ConnectionError => ErrorCategory.ConnectionError,
        FailureKind.AuthenticationError => ErrorCategory.AuthenticationError,
        FailureKind.SecurityError => ErrorCategory.SecurityError,
        FailureKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        FailureKind.InvalidData => ErrorCategory.InvalidData,
        FailureKind.ResourceBusy => ErrorCategory.ResourceBusy,
        FailureKind.PermissionDenied => ErrorCategory.PermissionDenied,
        FailureKind.OperationTimeout => ErrorCategory.OperationTimeout,
        FailureKind.OperationStopped => ErrorCategory.OperationStopped,
        FailureKind.WriteError => ErrorCategory.WriteError,
        FailureKind.ReadError => ErrorCategory.ReadError,
        _ => ErrorCategory.InvalidOperation,
    };
}
