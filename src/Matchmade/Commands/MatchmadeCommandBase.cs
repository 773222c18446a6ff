using System.Management.Automation;
using Matchmade.Core;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Hosting;

namespace Matchmade.Commands;

/// <summary>
/// What every Matchmade cmdlet shares: the connection parameters, one piece of work per database, cancellation on
/// Ctrl+C, and turning the core's failures into ErrorRecords with stable ids. Members that touch core types are not
/// public, so PowerShell's reflection over the cmdlets never needs the private load context before the module is imported.
/// </summary>
/// <remarks>
/// The error model (dbatools-like, documented in about_Matchmade): a failure that concerns one database is a
/// non-terminating error for that database and the next database is still done; only failures of the whole call
/// (parameter binding, Ctrl+C) terminate. Scripts that must stop at the first failure use -ErrorAction Stop or
/// $ErrorActionPreference = 'Stop'. The databases are gathered from every pipeline record (by value: strings; by
/// property name: ConnectionString/DatabaseUrl/Url) and processed in order at the end, so cmdlets that also gather
/// other pipeline input (user ids) apply it to each database.
/// </remarks>
public abstract class MatchmadeCommandBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly List<string?> databases = [];
    private string? currentConnectionString;
    private IMatchmadeEngine? engine;

    static MatchmadeCommandBase() => ModuleInitializer.Register();

    /// <summary>Npgsql connection strings or postgresql:// URLs (Prisma's DATABASE_URL), one database each. Default: $env:DIRECT_URL if set (Prisma's directUrl), else $env:DATABASE_URL.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("DatabaseUrl", "Url")]
    [ConnectionStringArgument]
    [ValidateNotNullOrEmpty]
    public string[]? ConnectionString { get; set; }

    /// <summary>User name and password; they override the ones in the connection string.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>The app's schema. Default: the URL's ?schema= parameter, else public.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(SchemaNameCompleter))]
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

    /// <summary>How many databases failed with a non-terminating error in this call (for -Quiet verdicts).</summary>
    private protected int DatabasesFailed { get; private set; }

    /// <summary>False where the work does not touch a database in this parameter set (Get-MigrationReport -Path).</summary>
    private protected virtual bool UsesDatabase => true;

    protected override void StopProcessing() => cancellation.Cancel();

    protected sealed override void ProcessRecord()
    {
        var given = ConnectionString is { } strings ? (string?[])strings : [null];
        foreach (var connectionString in given)
        {
            if (!databases.Contains(connectionString, StringComparer.Ordinal))
            {
                databases.Add(connectionString);
            }
        }

        OnRecord();
    }

    protected sealed override void EndProcessing()
    {
        if (UsesDatabase)
        {
            foreach (var connectionString in databases)
            {
                currentConnectionString = connectionString;
                Invoke(ProcessDatabase);
            }
        }

        OnEnd();
    }

    /// <summary>Each pipeline record, after its databases are noted: gather the cmdlet's own pipeline input.</summary>
    private protected virtual void OnRecord()
    {
    }

    /// <summary>The work for one database (the current one: <see cref="Engine"/>).</summary>
    private protected abstract void ProcessDatabase();

    /// <summary>After every database: verdicts over all of them.</summary>
    private protected virtual void OnEnd()
    {
    }

    /// <summary>
    /// Runs one database's work; its failure becomes a non-terminating error for that database and the database is
    /// closed either way, so the next one starts clean. Ctrl+C stops the whole call.
    /// </summary>
    private void Invoke(Action work)
    {
        try
        {
            work();
        }
        catch (MatchmadeException e)
        {
            DatabasesFailed++;
            WriteMatchmadeError(e);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            engine?.Dispose();
            engine = null;
        }
    }

    private protected void WriteMatchmadeError(MatchmadeException e) => WriteError(ErrorRecords.From(e));

    /// <summary>The latest run (null; of <paramref name="modes"/> only, when given) or this run of the database's run history; RunNotFound when there is none.</summary>
    private protected RunRecord FindRun(Guid? runId, IReadOnlyList<string>? modes = null)
    {
        var runs = Engine.Runs(runId, 1, modes, Cancellation);
        return runs.Count > 0
            ? runs[0]
            : throw new MatchmadeException(ErrorIds.RunNotFound, FailureKind.ObjectNotFound,
                runId is null ? $"The database has no Matchmade run history for schema '{Engine.Target.Schemas.App}' (no live run yet)." : $"No run {runId} in the database's run history for schema '{Engine.Target.Schemas.App}'.");
    }

    /// <summary>
    /// A report path given by the caller, resolved against PowerShell's current location. A path PowerShell cannot
    /// resolve (a drive that does not exist) or of another provider (Env:, HKLM:) is ReportNotFound for that path
    /// alone, so the caller's other paths are still read.
    /// </summary>
    private protected string ReportFile(string path)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception e) when (e is SessionStateException or NotSupportedException or ArgumentException)
        {
            throw new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound,
                $"No report at '{path}': {e.Message.TrimEnd().TrimEnd('.')}. Check the path.", e, path);
        }

        return provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider)
            ? resolved
            : throw new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound,
                $"'{path}' is a path of the {provider.Name} provider, not a file. Pass the path of a report file.", target: path);
    }

    /// <summary>The newest migration-report-*.json in the current location (a terminating ReportNotFound when there is none).</summary>
    private protected string NewestReport()
    {
        var here = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var newest = new DirectoryInfo(here).EnumerateFiles(ReportFormat.FilePrefix + "*.json").OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault();
        if (newest is null)
        {
            ThrowTerminatingError(ErrorRecords.From(new MatchmadeException(ErrorIds.ReportNotFound, FailureKind.ObjectNotFound,
                $"No {ReportFormat.FilePrefix}*.json in '{here}'. Pass a report's path, or -ConnectionString … -Latest to read the database's run history.", target: here)));
        }

        return newest!.FullName;
    }

    private ConnectionRequest BuildRequest()
    {
        var network = Credential?.GetNetworkCredential();
        return new ConnectionRequest
        {
            ConnectionString = currentConnectionString,
            UserName = string.IsNullOrEmpty(network?.UserName) ? null : network.UserName,
            Password = network?.Password,
            Schema = Schema,
            BaseDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath, // relative certificate paths, as every other path
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
    public static ErrorRecord From(MatchmadeException e) => new(e, e.ErrorId, Category(e.Kind), e.Target)
    {
        ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = RecommendedAction(e) },
    };

    /// <summary>
    /// The messages end with what to do ("… Check the host and port."): that last sentence is the record's
    /// RecommendedAction. A message of one sentence gets the advice of its kind.
    /// </summary>
    internal static string RecommendedAction(MatchmadeException e)
    {
        var text = e.Message.TrimEnd();
        for (var i = text.Length - 2; i > 0; i--)
        {
            if (text[i] == ' ' && text[i - 1] == '.' && char.IsUpper(text[i + 1]))
            {
                return text[(i + 1)..];
            }
        }

        return e.Kind switch
        {
            FailureKind.ConnectionError or FailureKind.OperationTimeout => "Check the connection string, the server and the network, then run the command again.",
            FailureKind.AuthenticationError => "Check the user name and password (-Credential).",
            FailureKind.ResourceBusy => "Wait for the other session to finish, then run the command again.",
            FailureKind.ObjectNotFound => "Check the names given (database, schema, path, run id).",
            FailureKind.InvalidArgument => "Check the parameters: Get-Help <command> -Parameter <name>.",
            _ => "See Get-Help about_Matchmade and README.md's list of error ids.",
        };
    }

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
