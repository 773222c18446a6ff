using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Matchmade.Fixtures;

public sealed record SyntheticOptions
{
    /// <summary>
    /// Share of users that get an edge case (one of <see cref="EdgeCase"/>, at random). With 200 users or more and a
    /// rate above 0, users 1, 4, 7, ... also get each kind once, so every kind is there; 0 gives clean data only.
    /// </summary>
    public double EdgeCaseRate { get; init; } = 0.05;

    /// <summary>ChatMessages per ContextProfile, at most, for the users that have any (a quarter of them).</summary>
    public int MaxChatMessages { get; init; } = 3;

    /// <summary>What the blobs look like (<see cref="DataShape"/>); the default is the data every older figure was measured on.</summary>
    public DataShape Shape { get; init; } = DataShape.Synthetic;
}

/// <summary>One ContextProfile of a sample user, with its Profile row (if it has one).</summary>
public sealed class SyntheticContext
{
    private readonly UserPlan? plan;
    private readonly int position;
    private readonly string? fixedProfile;

    internal SyntheticContext(string id, string contextType, DateTime createdAt, DateTime updatedAt, string? profileId, DateTime profileCreatedAt, DateTime profileUpdatedAt, UserPlan? plan, int position, string? fixedProfile)
    {
        Id = id;
        ContextType = contextType;
        CreatedAt = createdAt;
        UpdatedAt = updatedAt;
        ProfileId = profileId;
        ProfileCreatedAt = profileCreatedAt;
        ProfileUpdatedAt = profileUpdatedAt;
        this.plan = plan;
        this.position = position;
        this.fixedProfile = fixedProfile;
    }

    public string Id { get; }

    /// <summary>A RelationshipContextType label: romantic, friendship, professional, creative or service.</summary>
    public string ContextType { get; }

    public DateTime CreatedAt { get; }

    public DateTime UpdatedAt { get; }

    /// <summary>The id of its Profile row; null when the ContextProfile has no Profile row.</summary>
    public string? ProfileId { get; }

    public bool HasProfile => ProfileId is not null;

    public DateTime ProfileCreatedAt { get; }

    public DateTime ProfileUpdatedAt { get; }

    /// <summary>Profile.data as JSON text (made on each call, deterministically); null when there is no Profile row.</summary>
    public string? Profile() => ProfileId is null ? null : fixedProfile ?? plan!.Blob(position, ContextType);

    /// <summary>Made by the generator (its id has the generator's layout), not read from qa-users.json.</summary>
    internal bool Generated => plan is not null;
}

/// <summary>A sample user: the User row, its ContextProfiles (in order of creation) and how many ChatMessages each has.</summary>
public sealed record SyntheticUser(int Index, string Id, string Email, DateTime CreatedAt, DateTime UpdatedAt, IReadOnlyList<SyntheticContext> Contexts, int ChatMessagesPerContext, EdgeCase? EdgeCase);

public sealed record SampleLoadResult(long Users, long ContextProfiles, long Profiles, long ChatMessages, TimeSpan Elapsed);

/// <summary>The edge cases of RULES.md; the generator puts each in at least once when it makes 200 users or more.</summary>
public enum EdgeCase
{
    /// <summary>A User with no ContextProfile.</summary>
    NoContexts,

    /// <summary>The first ContextProfile has no Profile row.</summary>
    NoProfileRow,

    /// <summary>The first blob is JSON null.</summary>
    JsonNullBlob,

    ArrayBlob,
    StringBlob,
    NumberBlob,
    BooleanBlob,

    /// <summary>The first blob is <c>{}</c>.</summary>
    EmptyObjectBlob,

    /// <summary>null, "", "   ", [] and {} for shared fields, inside an object and for context fields; present values later.</summary>
    AbsentForms,

    /// <summary>Different location, ageRange and name in the first two contexts (a third repeats the first).</summary>
    ScalarConflict,

    /// <summary>beliefs.religion and interactionStyle.energy differ between contexts.</summary>
    ObjectKeyConflict,

    /// <summary>coreValues/constraints elements repeated across and within contexts, also JSON-equal objects written differently.</summary>
    DuplicateArrayElements,

    /// <summary>coreValues: "honesty", beliefs as a string, location as a number, ...</summary>
    WrongTypeShared,

    /// <summary>Context fields that are numbers, objects, booleans, arrays (complementarySkills: a string, which is valid).</summary>
    WrongTypeContext,

    /// <summary>Fields of another context type in the blob.</summary>
    OtherContextsField,

    /// <summary>intent, preferences, dealbreakers (as in the seed) and other keys no table has.</summary>
    UnmappedKeys,

    /// <summary>Numbers with 30 digits, 1e400, 1e-400, -0.</summary>
    BigNumbers,

    /// <summary>Strings with leading and trailing spaces.</summary>
    UntrimmedStrings,

    /// <summary>Text from several Unicode planes: CJK, Hebrew/Arabic (RTL), emoji and ZWJ sequences, CJK extension B.</summary>
    Unicode,

    /// <summary>Two contexts created in the same millisecond, the later enum value first.</summary>
    CreatedAtTie,
}

/// <summary>
/// The project's sample data: the seed's three QA users, and a deterministic generator of synthetic users with
/// realistic blobs and the edge cases of RULES.md, loaded with binary COPY.
/// </summary>
public static class SampleData
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

    private static SampleLoadResult Load(NpgsqlConnection connection, string schema, int total, Func<int, int, IEnumerable<SyntheticUser>> users, bool parallel)
    {
        var watch = Stopwatch.StartNew();
        var q = new NpgsqlCommandBuilder().QuoteIdentifier(schema);
        var counts = new long[4];
        // The rows are consistent by construction, so where the role may (a superuser: the throwaway cluster), skip the
        // per-row foreign-key triggers while loading: that halves the server's work. Then the four tables need not be
        // loaded parent first either: big loads make each user once and write all four tables at once, on four
        // connections (four server processes), split between two workers on machines with four cores or more.
        var replica = TrySet(connection, "SET session_replication_role = replica");
        var done = false;
        try
        {
            // Two workers write the same indexes in two key ranges (more page splits: a third more server CPU), so they
            // only pay off with cores to spare.
            var workers = Environment.ProcessorCount >= 4 ? 2 : 1;
            var others = parallel && replica ? TryOpenMore(connection, 4 * workers) : null;
            if (others is not null)
            {
                try
                {
                    InParallel(q, others, workers, total, users, counts);
                }
                finally
                {
                    foreach (var other in others)
                    {
                        other.Dispose();
                    }
                }
            }
            else
            {
                // Parent tables first, one COPY each (the foreign keys may be checked): each pass makes the users again.
                for (var table = 0; table < 4; table++)
                {
                    using var copy = connection.BeginBinaryImport(CopyCommand(q, table));
                    foreach (var user in users(0, total))
                    {
                        counts[table] += WriteRows(copy, table, user);
                    }

                    copy.Complete();
                }
            }

            done = true;
        }
        finally
        {
            if (replica)
            {
                try
                {
                    TrySet(connection, "RESET session_replication_role");
                }
                catch (Exception e) when (!done && e is NpgsqlException or InvalidOperationException)
                {
                    // The load failed and took the connection with it: report the load's error.
                }
            }
        }

        using (var analyze = new NpgsqlCommand($"ANALYZE {q}.\"User\", {q}.\"ContextProfile\", {q}.\"Profile\", {q}.\"ChatMessage\"", connection))
        {
            analyze.ExecuteNonQuery();
        }

        return new SampleLoadResult(counts[0], counts[1], counts[2], counts[3], watch.Elapsed);
    }

    /// <summary>Worker w makes users [w*total/workers, (w+1)*total/workers) and writes them on connections 4w..4w+3.</summary>
    private static void InParallel(string q, NpgsqlConnection[] connections, int workers, int total, Func<int, int, IEnumerable<SyntheticUser>> users, long[] counts)
    {
        var failed = 0;
        var errors = new Exception?[workers];
        var perWorker = new long[workers][];
        var threads = new Thread[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            threads[w] = new Thread(() =>
            {
                var mine = perWorker[worker] = new long[4];
                var copies = new NpgsqlBinaryImporter[4];
                try
                {
                    for (var table = 0; table < 4; table++)
                    {
                        copies[table] = connections[4 * worker + table].BeginBinaryImport(CopyCommand(q, table));
                    }

                    foreach (var user in users((int)((long)worker * total / workers), (int)((long)(worker + 1) * total / workers)))
                    {
                        if (Volatile.Read(ref failed) != 0)
                        {
                            return; // another worker failed: cancel ours (Dispose below)
                        }

                        for (var table = 0; table < 4; table++)
                        {
                            mine[table] += WriteRows(copies[table], table, user);
                        }
                    }

                    // Each COPY commits on its own; the users first.
                    foreach (var copy in copies)
                    {
                        copy.Complete();
                    }
                }
                catch (Exception e)
                {
                    errors[worker] = e;
                    Interlocked.Exchange(ref failed, 1);
                }
                finally
                {
                    foreach (var copy in copies)
                    {
                        try
                        {
                            copy?.Dispose(); // cancels a COPY that was not completed
                        }
                        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
                        {
                            errors[worker] ??= e;
                        }
                    }
                }
            })
            { IsBackground = true, Name = $"SampleData loader {w}" };
            threads[w].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        if (errors.FirstOrDefault(e => e is not null) is { } error)
        {
            throw new InvalidOperationException($"Loading the sample data failed: {error.Message}", error);
        }

        for (var table = 0; table < 4; table++)
        {
            counts[table] = perWorker.Sum(c => c[table]);
        }
    }

    private static string CopyCommand(string q, int table) => table switch
    {
        0 => $"COPY {q}.\"User\" (\"id\", \"email\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        1 => $"COPY {q}.\"ContextProfile\" (\"id\", \"userId\", \"contextType\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        2 => $"COPY {q}.\"Profile\" (\"id\", \"contextProfileId\", \"data\", \"createdAt\", \"updatedAt\") FROM STDIN (FORMAT BINARY)",
        _ => $"COPY {q}.\"ChatMessage\" (\"id\", \"contextProfileId\", \"role\", \"content\", \"createdAt\") FROM STDIN (FORMAT BINARY)",
    };

    private static int WriteRows(NpgsqlBinaryImporter copy, int table, SyntheticUser user)
    {
        var rows = 0;
        switch (table)
        {
            case 0:
                copy.StartRow();
                copy.Write(user.Id, NpgsqlDbType.Text);
                copy.Write(user.Email, NpgsqlDbType.Text);
                copy.Write(user.CreatedAt, NpgsqlDbType.Timestamp);
                copy.Write(user.UpdatedAt, NpgsqlDbType.Timestamp);
                return 1;
            case 1:
                foreach (var context in user.Contexts)
                {
                    copy.StartRow();
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(user.Id, NpgsqlDbType.Text);
                    copy.Write(context.ContextType, NpgsqlDbType.Text);
                    copy.Write(context.CreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(context.UpdatedAt, NpgsqlDbType.Timestamp);
                    rows++;
                }

                return rows;
            case 2:
                foreach (var context in user.Contexts)
                {
                    if (context.Profile() is not { } blob)
                    {
                        continue;
                    }

                    copy.StartRow();
                    copy.Write(context.ProfileId!, NpgsqlDbType.Text);
                    copy.Write(context.Id, NpgsqlDbType.Text);
                    copy.Write(blob, NpgsqlDbType.Jsonb);
                    copy.Write(context.ProfileCreatedAt, NpgsqlDbType.Timestamp);
                    copy.Write(context.ProfileUpdatedAt, NpgsqlDbType.Timestamp);
                    rows++;
                }

                return rows;
            default:
                foreach (var context in user.Contexts)
                {
                    for (var m = 0; m < user.ChatMessagesPerContext; m++)
                    {
                        var lines = m % 2 == 0 ? AssistantLines : UserLines;
                        copy.StartRow();
                        copy.Write(ChatId(context, m), NpgsqlDbType.Text);
                        copy.Write(context.Id, NpgsqlDbType.Text);
                        copy.Write(m % 2 == 0 ? "assistant" : "user", NpgsqlDbType.Text);
                        copy.Write(lines[(m / 2 + context.Id[^1]) % lines.Length], NpgsqlDbType.Text);
                        copy.Write(context.CreatedAt.AddSeconds(30 + 90 * m), NpgsqlDbType.Timestamp);
                        rows++;
                    }
                }

                return rows;
        }
    }

    /// <summary>More connections to the same database as the same role (the password comes along), set up for loading; null if not possible.</summary>
    private static NpgsqlConnection[]? TryOpenMore(NpgsqlConnection connection, int count)
    {
        var opened = new List<NpgsqlConnection>();
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false, WriteBufferSize = 1 << 16 };
            for (var i = 0; i < count; i++)
            {
                var other = connection.CloneWith(builder.ConnectionString);
                opened.Add(other);
                other.Open();
                if (!TrySet(other, "SET session_replication_role = replica"))
                {
                    throw new InvalidOperationException("not a superuser");
                }
            }

            return [.. opened];
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            // Too few connection slots, a data source we cannot clone, ...: load on the one connection.
            foreach (var other in opened)
            {
                other.Dispose();
            }

            return null;
        }
    }

    private static bool TrySet(NpgsqlConnection connection, string sql)
    {
        try
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == "42501")
        {
            return false; // not a superuser: keep the checks
        }
    }

    private static DateTime ToTimestamp(JsonElement e) => DateTime.SpecifyKind(e.GetDateTimeOffset().UtcDateTime, DateTimeKind.Unspecified);
}
