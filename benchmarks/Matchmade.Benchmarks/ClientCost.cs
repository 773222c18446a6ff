using System.Diagnostics;
using System.Globalization;

/// <summary>
/// What a phase cost this process (the PowerShell engine and the module): CPU on every thread, and of it the runtime's
/// compilation (JIT), which on a short phase such as a sync of 10,000 users is a large part of the client's share of
/// the machine (docs/performance.md).
/// </summary>
internal readonly record struct ClientCost(TimeSpan Cpu, TimeSpan Jit, long Methods)
{
    public static ClientCost Now() =>
        new(Process.GetCurrentProcess().TotalProcessorTime, System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());

    /// <summary>The phase's line: the cost since <paramref name="start"/>.</summary>
    public string Since(ClientCost start, string phase)
    {
        var cpu = (Cpu - start.Cpu).TotalSeconds;
        var jit = (Jit - start.Jit).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture, $"{phase}: client CPU {cpu:N2} s, of which JIT {jit:N2} s ({Methods - start.Methods:N0} methods compiled)");
    }

    public static void Print(List<string> lines) =>
        Bench.PrintList("Client CPU of each phase (this process, every thread; JIT: the runtime's compilation time):", lines);
}
