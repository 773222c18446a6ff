using System.Collections.Concurrent;

namespace Matchmade.Core.Migration;

/// <summary>
/// Lets worker threads log: PowerShell accepts Write* calls only on the pipeline thread, so messages from any other
/// thread wait here until the owning thread calls <see cref="Drain"/>. Calls on the owning thread pass straight on.
/// </summary>
internal sealed class LogRelay(IOperationLog inner) : IOperationLog
{
    private readonly ConcurrentQueue<Action<IOperationLog>> pending = new();
    private int ownerThread = Environment.CurrentManagedThreadId;

    /// <summary>The calling thread becomes the one that writes (the thread that runs the operation).</summary>
    public void Own() => ownerThread = Environment.CurrentManagedThreadId;

    public void Verbose(string message) => Send(log => log.Verbose(message));

    public void Warning(string message) => Send(log => log.Warning(message));

    public void Progress(OperationProgress progress) => Send(log => log.Progress(progress));

    /// <summary>Writes what other threads logged, in the order they logged it. Owning thread only.</summary>
    public void Drain()
    {
        while (pending.TryDequeue(out var write))
        {
            write(inner);
        }
    }

    private void Send(Action<IOperationLog> write)
    {
        if (Environment.CurrentManagedThreadId == ownerThread)
        {
            Drain();
            write(inner);
        }
        else
        {
            pending.Enqueue(write);
        }
    }
}
