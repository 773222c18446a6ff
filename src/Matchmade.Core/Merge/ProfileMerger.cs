namespace Matchmade.Core.Merge;

/// <summary>
/// RULES.md as one pure function: a user's old contexts in, the user's ProfileNew row, ContextIntent rows and
/// findings out. No database, no clock, no randomness: the same input always gives the same output. Thread-safe
/// (each thread keeps its own scratch buffers). The decisions where RULES.md is silent: docs/merge-decisions.md.
/// </summary>
public static class ProfileMerger
{
    private static readonly int SharedCount = FieldCatalog.SharedFields.Count;

    /// <summary>ProfileNew.missing for each bit mask of absent shared fields (bit i = SharedFields[i]); shared, never mutated.</summary>
    private static readonly string[][] ProfileMissing = BuildMissing(FieldCatalog.SharedFields);

    /// <summary>ContextIntent.missing per context for each bit mask of absent fields (bit i = FieldsOf(type)[i]).</summary>
    private static readonly string[][][] IntentMissing = BuildIntentMissing();

    private static readonly IComparer<SourceContext> ContextComparer = Comparer<SourceContext>.Create(CompareContexts);

    [ThreadStatic]
    private static MergeScratch? cachedScratch;

    /// <summary>Merges one user (any context order; the merge orders them). Never throws for any blob content.</summary>
    public static MergeResult Merge(SourceUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(user.Contexts);
        var scratch = cachedScratch ?? new MergeScratch();
        cachedScratch = null; // taken: a nested call (there is none) would make its own
        try
        {
            try
            {
                return Run(user, scratch, strict: false);
            }
            catch (InvalidOperationException)
            {
                // A string escaping a lone surrogate ("\ud800") parses but cannot be read (jsonb refuses such text, so
                // only hand-made input gets here). Redo the user checking every blob's strings first.
                scratch.Clear();
                return Run(user, scratch, strict: true);
            }
        }
        finally
        {
            scratch.Clear();
            cachedScratch = scratch;
        }
    }

    /// <summary>RULES.md: createdAt ascending, then the enum's order, then id (ordinal).</summary>
    public static int CompareContexts(SourceContext? a, SourceContext? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null || b is null)
        {
            return a is null ? -1 : 1;
        }

        var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byType = a.ContextType.CompareTo(b.ContextType);
        return byType != 0 ? byType : string.CompareOrdinal(a.ContextProfileId, b.ContextProfileId);
    }

    /// <summary>floor(100 * present / total), 0 when there is nothing to count.</summary>
    internal static int Completeness(int present, int total) => total <= 0 ? 0 : 100 * present / total;

    private static MergeResult Run(SourceUser user, MergeScratch scratch, bool strict)
    {
        var userId = user.UserId;
        var count = user.Contexts.Count;
        var contexts = scratch.ContextBuffer(count);
        for (var i = 0; i < count; i++)
        {
            contexts[i] = user.Contexts[i] ?? throw new ArgumentException($"Context {i} of user {userId} is null.", nameof(user));
        }

        Sort(contexts, count);
        List<Finding>? findings = null;
        var intents = new MergedIntent[count];
        for (var i = 0; i < count; i++)
        {
            var context = contexts[i];
            var values = new string?[FieldCatalog.IntentColumns.Count];
            BlobRouter.Route(userId, context, values, scratch, strict, ref findings);
            intents[i] = BuildIntent(context, values);
        }

        var profile = BuildProfile(userId, scratch, ref findings);
        return new MergeResult { Profile = profile, Intents = intents, Findings = findings ?? (IReadOnlyList<Finding>)Array.Empty<Finding>() };
    }

    private static void Sort(SourceContext[] contexts, int count)
    {
        if (count > 16)
        {
            Array.Sort(contexts, 0, count, ContextComparer);
            return;
        }

        for (var i = 1; i < count; i++)
        {
            var item = contexts[i];
            var j = i - 1;
            while (j >= 0 && CompareContexts(contexts[j], item) > 0)
            {
                contexts[j + 1] = contexts[j];
                j--;
            }

            contexts[j + 1] = item;
        }
    }

    private static MergedIntent BuildIntent(SourceContext context, string?[] values)
    {
        var columns = FieldCatalog.ColumnIndexesOf(context.ContextType);
        var missing = 0;
        var present = 0;
        for (var f = 0; f < columns.Length; f++)
        {
            if (values[columns[f]] is null)
            {
                missing |= 1 << f;
            }
            else
            {
                present++;
            }
        }

        return new MergedIntent
        {
            ContextProfileId = context.ContextProfileId,
            ContextType = context.ContextType,
            Values = values,
            Completeness = Completeness(present, columns.Length),
            Missing = IntentMissing[(int)context.ContextType][missing],
        };
    }

    /// <summary>The shared fields from the candidates the blobs gave (every candidate is present, so a field is present exactly when it has one).</summary>
    private static MergedProfile BuildProfile(string userId, MergeScratch scratch, ref List<Finding>? findings)
    {
        var values = new string?[SharedCount];
        var missing = 0;
        var present = 0;
        for (var i = 0; i < SharedCount; i++)
        {
            var candidates = scratch.Shared[i];
            if (candidates.Count == 0)
            {
                missing |= 1 << i;
                values[i] = AbsentValue(FieldCatalog.KindAt(i));
                continue;
            }

            present++;
            values[i] = SharedFieldMerge.Merge(userId, i, candidates, scratch, ref findings);
        }

        return MergedProfile.FromShared(userId, values, Completeness(present, SharedCount), ProfileMissing[missing]);
    }

    /// <summary>What ProfileNew stores for an absent shared field: an empty array or object (NOT NULL jsonb), or NULL text.</summary>
    private static string? AbsentValue(SharedFieldKind kind) => kind switch
    {
        SharedFieldKind.Array => "[]",
        SharedFieldKind.Object => "{}",
        _ => null,
    };

    private static string[][] BuildMissing(IReadOnlyList<string> fields)
    {
        var result = new string[1 << fields.Count][];
        var names = new List<string>(fields.Count);
        for (var mask = 0; mask < result.Length; mask++)
        {
            names.Clear();
            for (var f = 0; f < fields.Count; f++)
            {
                if ((mask & (1 << f)) != 0)
                {
                    names.Add(fields[f]);
                }
            }

            result[mask] = [.. names];
        }

        return result;
    }

    private static string[][][] BuildIntentMissing()
    {
        var result = new string[ContextTypes.All.Count][][];
        foreach (var type in ContextTypes.All)
        {
            result[(int)type] = BuildMissing(FieldCatalog.FieldsOf(type));
        }

        return result;
    }
}
