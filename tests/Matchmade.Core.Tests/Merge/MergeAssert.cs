using Matchmade.Core.Json;
using Matchmade.Core.Merge;

namespace Matchmade.Core.Tests.Merge;

/// <summary>Builders and exact renderings shared by the merge tests.</summary>
internal static class MergeAssert
{
    public static readonly DateTime T0 = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static SourceContext Ctx(ContextType type, string? data, int minutes = 0, string? id = null) =>
        new(id ?? "cp_" + ContextTypes.ToDbName(type), type, T0.AddMinutes(minutes), data);

    public static MergeResult MergeOf(params SourceContext[] contexts) => ProfileMerger.Merge(new SourceUser("u1", contexts));

    /// <summary>A finding as one exact line: kind, context, field/key, JSON values, reason.</summary>
    public static string Describe(Finding finding) => finding switch
    {
        Conflict c => $"conflict {c.UserId} {c.Field} [{string.Join(", ", c.Candidates.Select(x => ContextTypes.ToDbName(x.ContextType) + ":" + x.Value))}] -> {c.Chosen}",
        UnmappedField u => $"unmapped {u.UserId} {ContextTypes.ToDbName(u.ContextType)} {u.Key} = {u.Value}",
        InvalidValue i => $"invalid {i.UserId} {ContextTypes.ToDbName(i.ContextType)} {i.Field ?? "<blob>"} = {i.Value} ({i.Reason})",
        _ => throw new ArgumentOutOfRangeException(nameof(finding)),
    };

    public static void Findings(MergeResult result, params string[] expected) =>
        Assert.Equal(expected, result.Findings.Select(Describe).ToArray());

    /// <summary>Every column of the intent: the given ones with these exact values, all others NULL.</summary>
    public static void Intent(MergedIntent intent, ContextType type, int completeness, string[] missing, params (string Column, string Value)[] values)
    {
        Assert.Equal(type, intent.ContextType);
        Assert.Equal(FieldCatalog.IntentColumns.Count, intent.Values.Count);
        Assert.Equal(completeness, intent.Completeness);
        Assert.Equal(missing, intent.Missing);
        var expected = values.ToDictionary(v => v.Column, v => v.Value);
        foreach (var column in FieldCatalog.IntentColumns)
        {
            Assert.True(expected.GetValueOrDefault(column) == intent[column], $"{column}: expected {expected.GetValueOrDefault(column) ?? "NULL"}, got {intent[column] ?? "NULL"}");
        }
    }

    public static void AssertJson(string expected, string actual) => Assert.True(JsonValues.Equal(expected, actual), $"expected {expected}, got {actual}");
}
