using System.Runtime.InteropServices;
using System.Text.Json;
using Matchmade.Core.Json;

namespace Matchmade.Core.Merge;

/// <summary>
/// RULES.md's merge of one shared field's present values, in context order, and the conflicts it finds: arrays are
/// concatenated without duplicates, objects merged shallowly, strings keep the first.
/// </summary>
internal static class SharedFieldMerge
{
    /// <summary>The merged value of a field with at least one candidate: JSON text for arrays and objects, else the text.</summary>
    public static string Merge(string userId, int field, List<SharedValue> candidates, MergeScratch scratch, ref List<Finding>? findings) =>
        FieldCatalog.KindAt(field) switch
        {
            SharedFieldKind.Array => MergeArrays(candidates, scratch),
            SharedFieldKind.Object => MergeObjects(userId, FieldCatalog.SharedFields[field], candidates, scratch, ref findings),
            _ => FirstString(userId, FieldCatalog.SharedFields[field], candidates, ref findings),
        };

    /// <summary>Concatenates the arrays in context order, dropping every element JSON-equal to an earlier one.</summary>
    private static string MergeArrays(List<SharedValue> arrays, MergeScratch scratch)
    {
        var builder = scratch.Builder.Clear().Append('[');
        foreach (var candidate in arrays)
        {
            foreach (var item in candidate.Value.EnumerateArray())
            {
                if (!KeepNew(item, scratch))
                {
                    continue;
                }

                if (scratch.Kept.Count > 1)
                {
                    builder.Append(',');
                }

                JsonText.AppendRaw(builder, item);
            }
        }

        scratch.HashHeads.Clear();
        scratch.Kept.Clear();
        scratch.Next.Clear();
        return builder.Append(']').ToString();
    }

    /// <summary>Keeps the item unless one JSON-equal to it was kept already (a chained hash set over the kept items).</summary>
    private static bool KeepNew(JsonElement item, MergeScratch scratch)
    {
        var kept = scratch.Kept;
        var next = scratch.Next;
        ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(scratch.HashHeads, JsonValues.Hash(item), out var exists);
        if (exists)
        {
            for (var j = head; j >= 0; j = next[j])
            {
                if (JsonValues.Equal(kept[j], item))
                {
                    return false;
                }
            }
        }

        next.Add(exists ? head : -1);
        head = kept.Count;
        kept.Add(item);
        return true;
    }

    /// <summary>
    /// Shallow merge in context order: per key only present values compete and the last present one wins; an absent
    /// value never overrides a present one; a key with only absent values keeps the last of them. Present values
    /// that are not all equal make one conflict per key. Keys in order of first appearance.
    /// </summary>
    private static string MergeObjects(string userId, string field, List<SharedValue> objects, MergeScratch scratch, ref List<Finding>? findings)
    {
        foreach (var candidate in objects)
        {
            foreach (var property in candidate.Value.EnumerateObject())
            {
                Accumulate(scratch, property);
            }
        }

        var states = scratch.KeyStates;
        var builder = scratch.Builder.Clear().Append('{');
        for (var k = 0; k < states.Count; k++)
        {
            var state = states[k];
            if (k > 0)
            {
                builder.Append(',');
            }

            JsonText.AppendQuoted(builder, state.Key).Append(':');
            if (state.Differs)
            {
                // The winner is the last present value, so the last candidate: the finding's chosen value.
                var candidates = KeyCandidates(objects, state.Key, state.PresentCount);
                JsonText.AppendRaw(builder, state.Winner);
                FindingList.Add(ref findings, new Conflict(userId, field + "." + state.Key, candidates, candidates.Length - 1));
            }
            else
            {
                JsonText.AppendRaw(builder, state.Winner);
            }
        }

        scratch.KeyIndex.Clear();
        states.Clear();
        return builder.Append('}').ToString();
    }

    /// <summary>One key of one context's object into the key's state: the winner so far and whether present values differ.</summary>
    private static void Accumulate(MergeScratch scratch, JsonProperty property)
    {
        var states = scratch.KeyStates;
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(scratch.KeyIndex, property.Name, out var exists);
        if (!exists)
        {
            slot = states.Count;
            states.Add(new KeyState { Key = property.Name, Winner = property.Value });
        }

        ref var state = ref CollectionsMarshal.AsSpan(states)[slot];
        var value = property.Value;
        if (JsonValues.IsPresent(value))
        {
            if (state.PresentCount == 0)
            {
                state.First = value;
            }
            else if (!state.Differs && !JsonValues.Equal(state.First, value))
            {
                state.Differs = true;
            }

            state.PresentCount++;
            state.Winner = value;
        }
        else if (state.PresentCount == 0)
        {
            state.Winner = value;
        }
    }

    /// <summary>Every present value of one key across the objects, in context order (only for conflicts; <paramref name="count"/> of them).</summary>
    private static Candidate[] KeyCandidates(List<SharedValue> objects, string key, int count)
    {
        var result = new Candidate[count];
        var found = 0;
        foreach (var candidate in objects)
        {
            foreach (var property in candidate.Value.EnumerateObject())
            {
                if (property.NameEquals(key) && JsonValues.IsPresent(property.Value))
                {
                    result[found++] = new Candidate(candidate.Type, property.Value);
                }
            }
        }

        return result;
    }

    /// <summary>First present value wins, exactly as stored; any different present value makes a conflict.</summary>
    private static string FirstString(string userId, string field, List<SharedValue> values, ref List<Finding>? findings)
    {
        var first = values[0].Text!;
        for (var i = 1; i < values.Count; i++)
        {
            if (string.Equals(values[i].Text, first, StringComparison.Ordinal))
            {
                continue;
            }

            var candidates = new Candidate[values.Count];
            for (var c = 0; c < values.Count; c++)
            {
                candidates[c] = new Candidate(values[c].Type, values[c].Value);
            }

            FindingList.Add(ref findings, new Conflict(userId, field, candidates, 0));
            break;
        }

        return first;
    }
}
