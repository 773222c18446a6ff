using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Matchmade.Fixtures;

/// <summary>
/// The project's sample data: the seed's three QA users, and a deterministic generator of synthetic users with
/// realistic blobs and the edge cases of RULES.md, loaded with binary COPY.
/// </summary>
public static partial class SampleData
{
    /// <summary>From this many users on, a superuser load writes the four tables at once on four connections.</summary>
    private const int ParallelThreshold = 5000;

    private const string Base36 = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static readonly DateTime FirstSignup = new(2022, 6, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly long SignupSpanMs = (long)(new DateTime(2025, 1, 1) - FirstSignup).TotalMilliseconds;
    private static readonly EdgeCase[] Kinds = Enum.GetValues<EdgeCase>();

    private static readonly string[] UserLines =
    [
        "Hi! I'm not sure where to start.",
        "I want someone who gets my sense of humor.",
        "Mostly evenings and weekends work for me.",
        "I'd say honesty matters most to me.",
        "Can we keep this casual for now?",
        "I already told you about my work, right?",
    ];

    private static readonly string[] AssistantLines =
    [
        "Tell me a little about what you're looking for.",
        "That's helpful. What does a great weekend look like for you?",
        "Got it. Is there anything that would be a dealbreaker?",
        "Thanks! I've updated your profile with that.",
        "How soon would you like to meet people?",
        "What matters most to you in this kind of connection?",
    ];

    /// <summary>The seed's three QA users (docs/sample-data/qa-users.json), as the generator's types.</summary>
    public static IReadOnlyList<SyntheticUser> QaUsers()
    {
        using var document = JsonDocument.Parse(SourceSchema.ReadResource("Matchmade.Fixtures.qa-users.json"));
        var users = new List<SyntheticUser>();
        foreach (var user in document.RootElement.EnumerateArray())
        {
            var contexts = new List<SyntheticContext>();
            foreach (var c in user.GetProperty("contexts").EnumerateArray())
            {
                var id = c.GetProperty("id").GetString()!;
                var created = ToTimestamp(c.GetProperty("createdAt"));
                var profile = c.TryGetProperty("profile", out var p) && p.ValueKind != JsonValueKind.Null ? p.GetRawText() : null;
                contexts.Add(new SyntheticContext(id, c.GetProperty("contextType").GetString()!, created, created.AddMinutes(30), profile is null ? null : HashId("profile:" + id), created.AddMinutes(1), created.AddMinutes(30), null, contexts.Count, profile));
            }

            // The file may leave out the user's createdAt: then just before the first context.
            var createdAt = user.TryGetProperty("createdAt", out var at) ? ToTimestamp(at)
                : contexts.Count > 0 ? contexts.Min(c => c.CreatedAt).AddMinutes(-5) : new DateTime(2025, 12, 1);
            users.Add(new SyntheticUser(users.Count, user.GetProperty("id").GetString()!, user.GetProperty("email").GetString()!, createdAt, contexts.Count > 0 ? contexts.Max(c => c.UpdatedAt) : createdAt, contexts, 2, null));
        }

        return users;
    }

    /// <summary>Loads the seed's three QA users (docs/sample-data/qa-users.json) with two ChatMessages per ContextProfile.</summary>
    public static void LoadQaUsers(NpgsqlConnection connection, string schema = "public")
    {
        var users = QaUsers();
        Load(connection, schema, users.Count, (from, to) => users.Take(to).Skip(from), parallel: false);
    }

    /// <summary>Generates <paramref name="users"/> users (see <see cref="Generate"/>) and loads them with binary COPY as they are made.</summary>
    public static SampleLoadResult LoadSynthetic(NpgsqlConnection connection, int users, int seed = 1, string schema = "public", SyntheticOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        options ??= new SyntheticOptions();
        _ = Generate(0, seed, options); // validates the options
        return Load(connection, schema, users, (from, to) => Iterate(users, seed, options, from, to), parallel: users >= ParallelThreshold);
    }

    /// <summary>
    /// Deterministic for (users, seed, options): the same rows in every process and on every machine. Streams: each
    /// user is made from its own seed when enumerated, and blobs only when asked for.
    /// </summary>
    public static IEnumerable<SyntheticUser> Generate(int users, int seed = 1, SyntheticOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        options ??= new SyntheticOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxChatMessages);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxChatMessages, 1000);
        return Iterate(users, seed, options, 0, users);
    }

    /// <summary>Users from..to-1 of the (users, seed) set: each user depends only on its index, so ranges can be made apart.</summary>
    private static IEnumerable<SyntheticUser> Iterate(int users, int seed, SyntheticOptions options, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            yield return MakeUser(users, i, seed, options);
        }
    }

    private static SyntheticUser MakeUser(int users, int index, int seed, SyntheticOptions options)
    {
        var r = new Rng(Rng.Hash(seed, index, 0, 0x5eedUL));
        EdgeCase? edge = null;
        if (options.EdgeCaseRate > 0 && users >= 200 && index < Kinds.Length * 3 && index % 3 == 1)
        {
            edge = Kinds[index / 3];
        }
        else if (r.Chance(options.EdgeCaseRate))
        {
            edge = Kinds[r.Next(Kinds.Length)];
        }

        if (options.Shape != DataShape.Synthetic)
        {
            edge = null; // the other shapes bring their own irregularities (DataShapes.cs)
        }

        var id = Cuid(seed, index, 1, Base36[r.Next(36)], '\0');
        // Users sign up over two and a half years, in id order, as with real cuids.
        var created = FirstSignup.AddMilliseconds((long)((index + r.NextDouble()) * SignupSpanMs / users));

        var roll = r.NextDouble();
        var count = roll < 0.27 ? 1 : roll < 0.57 ? 2 : roll < 0.77 ? 3 : roll < 0.91 ? 4 : 5;
        if (options.Shape == DataShape.ConflictHeavy)
        {
            count = 2 + (int)(roll * 4); // every user 2-5 contexts
        }
        switch (edge)
        {
            case EdgeCase.NoContexts:
                count = 0;
                break;
            case EdgeCase.AbsentForms or EdgeCase.ScalarConflict or EdgeCase.ObjectKeyConflict or EdgeCase.DuplicateArrayElements
                or EdgeCase.WrongTypeShared or EdgeCase.CreatedAtTie or EdgeCase.UnmappedKeys:
                count = Math.Max(count, 2 + r.Next(2));
                break;
        }

        Span<int> types = stackalloc int[5];
        var weights = Vocabulary.ContextWeights;
        var remaining = 0;
        foreach (var w in weights)
        {
            remaining += w;
        }

        var taken = 0;
        for (var c = 0; c < count; c++)
        {
            var pick = r.Next(remaining);
            for (var t = 0; t < 5; t++)
            {
                if ((taken & (1 << t)) != 0)
                {
                    continue;
                }

                if (pick < weights[t])
                {
                    types[c] = t;
                    taken |= 1 << t;
                    remaining -= weights[t];
                    break;
                }

                pick -= weights[t];
            }
        }

        if (edge is EdgeCase.CreatedAtTie && types[0] < types[1])
        {
            // Same createdAt, and the later enum value created first: only the tie-break orders them.
            (types[0], types[1]) = (types[1], types[0]);
        }

        var plan = new UserPlan(seed, index, edge, r.NextULong(), options.Shape);
        var contexts = new SyntheticContext[count];
        var when = created.AddMilliseconds(r.Next(3 * 24 * 3600 * 1000));
        var last = created;
        for (var c = 0; c < count; c++)
        {
            if (c > 0 && !(edge is EdgeCase.CreatedAtTie && c == 1) && !r.Chance(0.03))
            {
                // Another context minutes to months later; 3% in the same millisecond as the previous one.
                when = when.AddMilliseconds(r.Chance(0.3) ? r.Next(60_000, 3_600_000) : (long)r.Next(3600, 120 * 24 * 3600) * 1000 + r.Next(1000));
            }

            var type = Vocabulary.ContextTypes[types[c]];
            // 3% of ContextProfiles have no Profile row yet (the user has not chatted); an edge case's blobs are all there.
            var hasProfile = edge is null ? !r.Chance(0.03) : !(edge is EdgeCase.NoProfileRow && c == 0);
            var profileCreated = when.AddMilliseconds(r.Next(1000, 600_000));
            var profileUpdated = profileCreated.AddMilliseconds(r.Chance(0.5) ? 0 : r.Next(1000, 30 * 24 * 3600) * 1000L);
            var updated = when.AddMilliseconds(r.Chance(0.5) ? 0 : r.Next(1000, 30 * 24 * 3600) * 1000L);
            contexts[c] = new SyntheticContext(
                Cuid(seed, index, 2, Base36[c], '\0'),
                type,
                when,
                updated,
                hasProfile ? Cuid(seed, index, 3, 'p', Base36[c]) : null,
                profileCreated,
                profileUpdated,
                plan,
                c,
                null);
            last = Max(last, Max(updated, hasProfile ? profileUpdated : updated));
        }

        var chat = options.MaxChatMessages > 0 && r.Chance(0.25) ? r.Between(1, options.MaxChatMessages) : 0;
        // Unique, and in id order: the unique index on email then grows at its right edge (a third faster to load).
        var email = $"{id.AsSpan(0, 9)}.{plan.Name.ToLowerInvariant()}@{Domains[r.Next(Domains.Length)]}";
        return new SyntheticUser(index, id, email, created, last, contexts, chat, edge);
    }

    private static readonly string[] Domains = ["example.com", "example.org", "example.net", "mail.example", "inbox.test"];

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    /// <summary>
    /// "c" + 8 base36 digits of the user's index + a slot character (0-4: ContextProfile, p: Profile, m: ChatMessage,
    /// random: User) + base36 noise from (seed, index, kind, slot): 25 characters, unique per table, in user order.
    /// </summary>
    private static string Cuid(int seed, int index, int kind, char slot, char sub) =>
        string.Create(25, (seed, index, kind, slot, sub), static (span, s) =>
        {
            span[0] = 'c';
            var v = (ulong)s.index;
            for (var i = 8; i >= 1; i--)
            {
                span[i] = Base36[(int)(v % 36)];
                v /= 36;
            }

            span[9] = s.slot;
            var at = 10;
            if (s.sub != '\0')
            {
                span[at++] = s.sub;
            }

            var r = new Rng(Rng.Hash(s.seed, s.index, s.kind << 16 | s.slot << 8 | s.sub, 0x1d5UL));
            var bits = r.NextULong();
            for (var left = 0; at < 25; at++, left++)
            {
                if (left == 12)
                {
                    bits = r.NextULong();
                    left = 0;
                }

                span[at] = Base36[(int)(bits % 36)];
                bits /= 36;
            }
        });

    private static string HashId(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var chars = new char[25];
        chars[0] = 'c';
        for (var i = 1; i < 25; i++)
        {
            chars[i] = Base36[hash[i] % 36];
        }

        return new string(chars);
    }

    /// <summary>A generated context's id with slot m and the message number; the QA users' ids are hashed.</summary>
    private static string ChatId(SyntheticContext context, int message) => context.Generated
        ? string.Create(25, (context.Id, message), static (span, s) =>
        {
            s.Id.AsSpan(0, 9).CopyTo(span);
            span[9] = 'm';
            span[10] = s.Id[9];
            span[11] = Base36[s.message / 36];
            span[12] = Base36[s.message % 36];
            s.Id.AsSpan(13, 12).CopyTo(span[13..]);
        })
        : HashId($"chat:{context.Id}:{message}");

    private static DateTime ToTimestamp(JsonElement e) => DateTime.SpecifyKind(e.GetDateTimeOffset().UtcDateTime, DateTimeKind.Unspecified);
}
