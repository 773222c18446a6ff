using System.Text;
using System.Text.Json;

namespace Matchmade.Core.Merge;

/// <summary>A present, correctly typed shared value from one context; Text is the string for string fields.</summary>
internal readonly record struct SharedValue(ContextType Type, JsonElement Value, string? Text);

/// <summary>What the shallow merge knows of one key of an object field while it reads the contexts in order.</summary>
internal struct KeyState
{
    public string Key;
    public JsonElement First;
    public JsonElement Winner;
    public int PresentCount;
    public bool Differs;
}

/// <summary>Most users have no findings: their list is made on the first one.</summary>
internal static class FindingList
{
    public static void Add(ref List<Finding>? findings, Finding finding) => (findings ??= []).Add(finding);
}

/// <summary>Per-thread buffers the merge reuses from user to user (cleared after each, documents disposed).</summary>
internal sealed class MergeScratch
{
    private const int KeepCapacity = 4096;

    private SourceContext[] contexts = new SourceContext[8];

    public List<JsonDocument> Documents { get; } = [];

    /// <summary>The collected candidates of each shared field, by its index in <see cref="FieldCatalog.SharedFields"/>.</summary>
    public List<SharedValue>[] Shared { get; } = NewShared();

    public Dictionary<int, int> HashHeads { get; private set; } = [];

    public List<JsonElement> Kept { get; } = [];

    public List<int> Next { get; } = [];

    public Dictionary<string, int> KeyIndex { get; private set; } = new(StringComparer.Ordinal);

    public List<KeyState> KeyStates { get; } = [];

    public StringBuilder Builder { get; private set; } = new(1024);

    public SourceContext[] ContextBuffer(int count)
    {
        if (contexts.Length < count)
        {
            contexts = new SourceContext[count];
        }

        return contexts;
    }

    public void Clear()
    {
        foreach (var document in Documents)
        {
            document.Dispose();
        }

        Documents.Clear();
        foreach (var list in Shared)
        {
            list.Clear();
        }

        Array.Clear(contexts);
        Kept.Clear();
        Next.Clear();
        KeyStates.Clear();
        DropGrown();
    }

    /// <summary>Does not keep what one huge user made grow: clearing a big dictionary costs its capacity every time.</summary>
    private void DropGrown()
    {
        if (Kept.Capacity > KeepCapacity)
        {
            HashHeads = [];
            Kept.Capacity = 0;
            Next.Capacity = 0;
        }
        else
        {
            HashHeads.Clear();
        }

        if (KeyStates.Capacity > KeepCapacity)
        {
            KeyIndex = new(StringComparer.Ordinal);
            KeyStates.Capacity = 0;
        }
        else
        {
            KeyIndex.Clear();
        }

        if (Builder.Capacity > 1 << 20)
        {
            Builder = new StringBuilder(1024);
        }
    }

    private static List<SharedValue>[] NewShared()
    {
        var shared = new List<SharedValue>[FieldCatalog.SharedFields.Count];
        for (var i = 0; i < shared.Length; i++)
        {
            shared[i] = [];
        }

        return shared;
    }
}
