using System.Text.Json;
using Matchmade.Core.Merge;
using B = Matchmade.Core.Reporting.ReportFormat.BatchFields;
using C = Matchmade.Core.Reporting.ReportFormat.CountFields;

namespace Matchmade.Core.Reporting;

/// <summary>
/// The optional figures of <c>counts</c> (contexts per type, the batch timeline): written when the run recorded them,
/// read as null when a report (an older one) lacks them, so the page says "not recorded" rather than drawing zeros.
/// </summary>
public static class ReportFigures
{
    /// <summary>ContextIntent rows per context type, every type in context order (database names).</summary>
    public static IReadOnlyDictionary<string, long> ContextsByType(IReadOnlyList<long> perType)
    {
        ArgumentNullException.ThrowIfNull(perType);
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in ContextTypes.All)
        {
            byType[ContextTypes.ToDbName(type)] = perType[(int)type];
        }

        return byType;
    }

    /// <summary>Writes the figures the counts have (inside <c>counts</c>, after the whole numbers).</summary>
    public static void Write(Utf8JsonWriter w, ReportCounts counts)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.ContextsByType is { } byType)
        {
            w.WriteStartObject(C.ContextsByType);
            foreach (var (type, n) in byType)
            {
                w.WriteNumber(type, n);
            }

            w.WriteEndObject();
        }

        if (counts.Batches is { } batches)
        {
            w.WriteStartArray(C.Batches);
            foreach (var b in batches)
            {
                w.WriteStartObject();
                w.WriteNumber(B.End, Math.Round(b.End, 3));
                w.WriteNumber(B.Seconds, Math.Round(b.Seconds, 3));
                w.WriteNumber(B.Users, b.Users);
                w.WriteNumber(B.Batches, b.Batches);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    /// <summary><c>counts.contextsByType</c>, or null when the report does not record it.</summary>
    public static IReadOnlyDictionary<string, long>? ReadContextsByType(JsonElement counts)
    {
        if (!counts.TryGetProperty(C.ContextsByType, out var byType) || byType.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in byType.EnumerateObject())
        {
            if (type.Value.ValueKind == JsonValueKind.Number && type.Value.TryGetInt64(out var n))
            {
                result[type.Name] = n;
            }
        }

        return result;
    }

    /// <summary><c>counts.batches</c>, or null when the report does not record it (entries that are not whole are skipped).</summary>
    public static IReadOnlyList<ReportBatch>? ReadBatches(JsonElement counts)
    {
        if (!counts.TryGetProperty(C.Batches, out var batches) || batches.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var result = new List<ReportBatch>(batches.GetArrayLength());
        foreach (var b in batches.EnumerateArray())
        {
            if (b.ValueKind == JsonValueKind.Object && Number(b, B.End) is { } end && Number(b, B.Seconds) is { } seconds && Number(b, B.Users) is { } users)
            {
                result.Add(new ReportBatch(end, seconds, (long)users, (long)(Number(b, B.Batches) ?? 1)));
            }
        }

        return result;
    }

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
}
