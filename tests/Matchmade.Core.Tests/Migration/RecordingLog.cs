namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// Keeps what the engine logs, for assertions. Like PowerShell's Write* methods, it refuses calls from any thread
/// but the one that created it (the engine's worker threads must hand their messages over).
/// </summary>
public sealed class RecordingLog : IOperationLog
{
    private readonly int owner = Environment.CurrentManagedThreadId;

    public List<string> Verbose { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<OperationProgress> Progress { get; } = [];

    /// <summary>Called after each progress update (tests use it to act mid-run).</summary>
    public Action<OperationProgress>? OnProgress { get; set; }

    void IOperationLog.Verbose(string message) => OnOwnerThread(Verbose).Add(message);

    void IOperationLog.Warning(string message) => OnOwnerThread(Warnings).Add(message);

    void IOperationLog.Progress(OperationProgress progress)
    {
        OnOwnerThread(Progress).Add(progress);
        OnProgress?.Invoke(progress);
    }

    private T OnOwnerThread<T>(T list) =>
        Environment.CurrentManagedThreadId == owner ? list : throw new InvalidOperationException("The log was called from a thread other than the one running the operation (PowerShell would refuse it).");
}
