namespace Matchmade.Core.Tests.Migration;

/// <summary>Keeps what the engine logs, for assertions.</summary>
public sealed class RecordingLog : IOperationLog
{
    public List<string> Verbose { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<OperationProgress> Progress { get; } = [];

    /// <summary>Called after each progress update (tests use it to act mid-run).</summary>
    public Action<OperationProgress>? OnProgress { get; set; }

    void IOperationLog.Verbose(string message) => Verbose.Add(message);

    void IOperationLog.Warning(string message) => Warnings.Add(message);

    void IOperationLog.Progress(OperationProgress progress)
    {
        Progress.Add(progress);
        OnProgress?.Invoke(progress);
    }
}
