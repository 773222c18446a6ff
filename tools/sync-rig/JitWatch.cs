// The runtime's JIT events, in-process (an EventListener on "Microsoft-Windows-DotNETRuntime", JIT keyword): which
// methods a measured stretch compiled, at which tier, and how long each took (from MethodJittingStarted to
// MethodLoadVerbose on the same thread). Loaded by sync-rig.ps1 -JitDetail with Add-Type.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;

public sealed class JitWatch : EventListener
{
    // The runtime's OptimizationTier, bits 7-9 of MethodFlags.
    private static readonly string[] Tiers = ["unknown", "minopts", "optimized", "tier0", "tier1", "tier1-osr", "tier0-instrumented", "tier1-instrumented"];

    private readonly ConcurrentDictionary<long, DateTime> started = new();
    private readonly ConcurrentBag<(string Namespace, string Name, int Tier, double Ms)> compiled = new();
    private volatile bool on;

    public void Start()
    {
        compiled.Clear();
        on = true;
    }

    public void Stop() => on = false;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x10);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!on || e.EventName is null || e.PayloadNames is null || e.Payload is null)
        {
            return;
        }

        if (e.EventName.StartsWith("MethodJittingStarted", StringComparison.Ordinal))
        {
            started[e.OSThreadId] = e.TimeStamp;
        }
        else if (e.EventName.StartsWith("MethodLoadVerbose", StringComparison.Ordinal))
        {
            var flags = Convert.ToInt32(e.Payload[e.PayloadNames.IndexOf("MethodFlags")]);
            var ms = started.TryRemove(e.OSThreadId, out var at) ? (e.TimeStamp - at).TotalMilliseconds : 0;
            compiled.Add(((string)e.Payload[e.PayloadNames.IndexOf("MethodNamespace")]!, (string)e.Payload[e.PayloadNames.IndexOf("MethodName")]!, (flags >> 7) & 7, ms));
        }
    }

    public string Summary(int top)
    {
        var all = compiled.ToList();
        var lines = new List<string> { $"JIT: {all.Count} methods, {all.Sum(d => d.Ms):N0} ms" };
        lines.AddRange(all.GroupBy(d => d.Tier).OrderBy(g => g.Key).Select(g => $"  {Tiers[g.Key],-20} {g.Count(),6} methods {g.Sum(d => d.Ms),8:N1} ms"));
        lines.AddRange(all.GroupBy(d => Area(d.Namespace)).OrderByDescending(g => g.Sum(d => d.Ms)).Take(top)
            .Select(g => $"  {g.Key,-50} {g.Count(),6} methods {g.Sum(d => d.Ms),8:N1} ms ({string.Join(", ", g.GroupBy(d => d.Tier).Select(t => $"{Tiers[t.Key]} {t.Count()}"))})"));
        lines.Add("  slowest:");
        lines.AddRange(all.OrderByDescending(d => d.Ms).Take(top).Select(d => $"  {d.Ms,8:N1} ms {Tiers[d.Tier],-20} {d.Namespace}::{d.Name}"));
        return string.Join(Environment.NewLine, lines);
    }

    // The namespace without the type (and generic arguments): "Npgsql.Internal.NpgsqlConnector" -> "Npgsql.Internal".
    private static string Area(string type)
    {
        var generic = type.IndexOf('[');
        var name = generic > 0 ? type[..generic] : type;
        var dot = name.LastIndexOf('.');
        return dot > 0 ? name[..dot] : name;
    }
}
