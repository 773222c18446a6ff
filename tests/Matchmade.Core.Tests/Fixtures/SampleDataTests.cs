using System.Security.Cryptography;
using System.Text;
using Matchmade.Core.Merge;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>The sample data the tests, the demo and the benchmark share: deterministic, complete, loadable.</summary>
public sealed class SampleDataTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    /// <summary>
    /// The generator's output for (300, seed 1), pinned: it must be the same in every process and on every machine
    /// (benchmarks compare runs by it). Change it only with a deliberate change to the generator.
    /// </summary>
    private const string Pinned = "18AD9D1BEBE755D414AC1659BD7314480B900798397B2AFE350F9F8E39B3C678";

    private static readonly string[] QaIds = ["user_qa1", "cmjfwhbqb0000qe2g6xd8iww9", "user_qa3"];

    [Fact]
    public void The_generator_is_deterministic_and_pinned()
    {
        var first = Digest(SampleData.Generate(300, seed: 1));
        Assert.Equal(first, Digest(SampleData.Generate(300, seed: 1)));
        Assert.NotEqual(first, Digest(SampleData.Generate(300, seed: 2)));
        Assert.True(Pinned == first, $"generator output changed: {first}");
    }

    [Fact]
    public void The_generator_streams()
    {
        // int.MaxValue users: only the ones asked for are made.
        var three = SampleData.Generate(int.MaxValue, seed: 1).Take(3).ToList();
        Assert.Equal([0, 1, 2], three.Select(u => u.Index));
    }

    [Fact]
    public void Ids_emails_contexts_and_times_have_the_promised_shape()
    {
        var users = SampleData.Generate(2000, seed: 5).ToList();
        Assert.All(users, u => Assert.Matches("^c[0-9a-z]{24}$", u.Id));
        Assert.All(users.SelectMany(u => u.Contexts), c => Assert.Matches("^c[0-9a-z]{24}$", c.Id));
        Assert.All(users.SelectMany(u => u.Contexts).Where(c => c.HasProfile), c => Assert.Matches("^c[0-9a-z]{24}$", c.ProfileId!));
        Assert.Equal(users.Count, users.Select(u => u.Id).Distinct().Count());
        Assert.Equal(users.Count, users.Select(u => u.Email).Distinct().Count());
        var contexts = users.SelectMany(u => u.Contexts).ToList();
        Assert.Equal(contexts.Count, contexts.Select(c => c.Id).Distinct().Count());
        Assert.All(users, u => Assert.InRange(u.Contexts.Count, u.EdgeCase == EdgeCase.NoContexts ? 0 : 1, 5));
        Assert.All(users, u => Assert.Equal(u.Contexts.Count, u.Contexts.Select(c => c.ContextType).Distinct().Count()));
        Assert.InRange(users.Average(u => u.Contexts.Count), 2.35, 2.65);
        Assert.All(users, u => Assert.True(u.Contexts.All(c => c.CreatedAt >= u.CreatedAt && c.UpdatedAt >= c.CreatedAt && u.UpdatedAt >= c.UpdatedAt)));
        Assert.Equal(Enum.GetValues<EdgeCase>().ToHashSet(), users.Where(u => u.EdgeCase is not null).Select(u => u.EdgeCase!.Value).ToHashSet());
        var edgeShare = users.Count(u => u.EdgeCase is not null) / (double)users.Count;
        Assert.InRange(edgeShare, 0.04, 0.09); // 5% at random plus one of each kind
        Assert.DoesNotContain(SampleData.Generate(2000, seed: 5, new SyntheticOptions { EdgeCaseRate = 0 }), u => u.EdgeCase is not null);
        Assert.All(SampleData.Generate(300, seed: 5, new SyntheticOptions { MaxChatMessages = 0 }), u => Assert.Equal(0, u.ChatMessagesPerContext));
    }

    [Fact]
    public void The_merge_finds_every_kind_of_finding_in_the_generated_blobs()
    {
        var users = SampleData.Generate(1000, seed: 5).ToList();
        var findings = users.SelectMany(u => ProfileMerger.Merge(new SourceUser(u.Id, u.Contexts.Select(c => new SourceContext(c.Id, ContextTypes.Parse(c.ContextType), c.CreatedAt, c.Profile())).ToArray())).Findings).ToList();
        foreach (var field in new[] { "location", "ageRange", "name", "beliefs.religion", "interactionStyle.energy" })
        {
            Assert.Contains(findings, f => f is Conflict c && c.Field == field);
        }

        Assert.Contains(findings, f => f is UnmappedField { Key: "intent" });
        Assert.Contains(findings, f => f is UnmappedField { Key: "dealbreakers" });
        Assert.Contains(findings, f => f is InvalidValue { Field: null });
        Assert.Contains(findings, f => f is InvalidValue { Field: "coreValues" });
        Assert.Contains(findings, f => f is InvalidValue { Field: "constraints" });
    }

    [Fact]
    public void The_QA_users_load_as_the_seed_has_them()
    {
        var qa = SampleData.QaUsers();
        Assert.Equal(QaIds, qa.Select(u => u.Id));
        Assert.Equal(7, qa.Sum(u => u.Contexts.Count));

        using var c = db.Open();
        SampleData.LoadQaUsers(c);
        Assert.Equal(3L, Scalar<long>(c, "SELECT count(*) FROM \"User\""));
        Assert.Equal("friendship:2,professional:2,romantic:3", Scalar<string>(c, "SELECT string_agg(t || ':' || n, ',' ORDER BY t) FROM (SELECT \"contextType\"::text t, count(*) n FROM \"ContextProfile\" GROUP BY 1) x"));
        Assert.Equal(qa.Sum(u => u.Contexts.Count(x => x.HasProfile)), Scalar<long>(c, "SELECT count(*) FROM \"Profile\""));
        Assert.Equal(14L, Scalar<long>(c, "SELECT count(*) FROM \"ChatMessage\""));
        // The seed's unmapped keys in the first two users' romantic blobs.
        Assert.Equal(2L, Scalar<long>(c, """
            SELECT count(*) FROM "Profile" p JOIN "ContextProfile" cp ON cp.id = p."contextProfileId"
            WHERE cp."contextType" = 'romantic' AND p.data ?& array['intent', 'preferences', 'dealbreakers']
              AND cp."userId" IN ('user_qa1', 'cmjfwhbqb0000qe2g6xd8iww9')
            """));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"Profile\" WHERE id !~ '^c[0-9a-z]{24}$'"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ChatMessage\" WHERE id !~ '^c[0-9a-z]{24}$'"));
    }

    [Fact]
    public void The_same_seed_gives_the_same_rows_whichever_way_it_is_loaded()
    {
        // 6,000 users: above the threshold where a superuser load goes one pass on four connections; a role that may not
        // skip the foreign-key triggers loads table by table. Same rows, to the millisecond.
        var parallel = TestServer.Shared.CreateDatabase("load_parallel");
        var plain = TestServer.Shared.CreateDatabase("load_plain");
        var role = "mm_loader_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        var roleMade = false;
        try
        {
            const int users = 6000;
            var generated = SampleData.Generate(users, seed: 4).ToList();
            SampleLoadResult first;
            using (var c = Open(parallel))
            {
                first = SampleData.LoadSynthetic(c, users, seed: 4);
                Assert.Equal("origin", Scalar<string>(c, "SELECT current_setting('session_replication_role')")); // put back
                AssertLoaded(c, first, generated);
            }

            using (var admin = Open(TestServer.Shared.AdminConnectionString))
            {
                if (!Scalar<bool>(admin, "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"))
                {
                    return; // a shared server where we may not make roles
                }

                Exec(admin, $"CREATE ROLE {role} LOGIN PASSWORD '{password}'");
                roleMade = true;
            }

            using (var owner = Open(plain))
            {
                Exec(owner, $"GRANT USAGE ON SCHEMA public TO {role}; GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {role}");
            }

            var asRole = new NpgsqlConnectionStringBuilder(plain) { Username = role, Password = password, Pooling = false }.ConnectionString;
            using (var c = Open(asRole))
            {
                var second = SampleData.LoadSynthetic(c, users, seed: 4);
                Assert.Equal((first.Users, first.ContextProfiles, first.Profiles, first.ChatMessages), (second.Users, second.ContextProfiles, second.Profiles, second.ChatMessages));
            }

            using var a = Open(parallel);
            using var b = Open(plain);
            Assert.Equal(OldTablesHash(a), OldTablesHash(b));
        }
        finally
        {
            TestServer.Shared.DropDatabase(parallel);
            TestServer.Shared.DropDatabase(plain);
            if (roleMade)
            {
                using var admin = Open(TestServer.Shared.AdminConnectionString);
                Exec(admin, $"DROP ROLE {role}");
            }
        }
    }

    private static void AssertLoaded(NpgsqlConnection c, SampleLoadResult result, List<SyntheticUser> generated)
    {
        Assert.Equal(generated.Count, result.Users);
        Assert.Equal(generated.Sum(u => u.Contexts.Count), result.ContextProfiles);
        Assert.Equal(generated.Sum(u => u.Contexts.Count(x => x.HasProfile)), result.Profiles);
        Assert.Equal(generated.Sum(u => u.Contexts.Count * u.ChatMessagesPerContext), result.ChatMessages);
        Assert.Equal(result.Users, Scalar<long>(c, "SELECT count(*) FROM \"User\""));
        Assert.Equal(result.ContextProfiles, Scalar<long>(c, "SELECT count(*) FROM \"ContextProfile\""));
        Assert.Equal(result.Profiles, Scalar<long>(c, "SELECT count(*) FROM \"Profile\""));
        Assert.Equal(result.ChatMessages, Scalar<long>(c, "SELECT count(*) FROM \"ChatMessage\""));
        // The foreign keys hold although the loader skipped their triggers.
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ContextProfile\" cp LEFT JOIN \"User\" u ON u.id = cp.\"userId\" WHERE u.id IS NULL"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"Profile\" p LEFT JOIN \"ContextProfile\" cp ON cp.id = p.\"contextProfileId\" WHERE cp.id IS NULL"));
        Assert.Equal(0L, Scalar<long>(c, "SELECT count(*) FROM \"ChatMessage\" m LEFT JOIN \"ContextProfile\" cp ON cp.id = m.\"contextProfileId\" WHERE cp.id IS NULL"));
        Assert.Equal(4L, Scalar<long>(c, "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('User', 'ContextProfile', 'Profile', 'ChatMessage') AND last_analyze IS NOT NULL"));
        // What the generator says is what is stored (timestamps at millisecond precision included).
        var sample = generated[generated.Count / 2];
        Assert.Equal(sample.CreatedAt, Scalar<DateTime>(c, "SELECT \"createdAt\" FROM \"User\" WHERE id = @id", ("id", sample.Id)));
        foreach (var context in sample.Contexts)
        {
            Assert.Equal(context.CreatedAt, Scalar<DateTime>(c, "SELECT \"createdAt\" FROM \"ContextProfile\" WHERE id = @id", ("id", context.Id)));
            if (context.Profile() is { } blob)
            {
                Assert.True(Scalar<bool>(c, "SELECT data = @blob::jsonb FROM \"Profile\" WHERE \"contextProfileId\" = @id", ("id", context.Id), ("blob", blob)));
            }
        }
    }

    internal static string Digest(IEnumerable<SyntheticUser> users)
    {
        var text = new StringBuilder();
        foreach (var u in users)
        {
            text.Append(u.Id).Append(u.Email).Append(u.CreatedAt.Ticks).Append(u.UpdatedAt.Ticks).Append(u.ChatMessagesPerContext).Append(u.EdgeCase).Append('\n');
            foreach (var c in u.Contexts)
            {
                text.Append(c.Id).Append(c.ContextType).Append(c.CreatedAt.Ticks).Append(c.UpdatedAt.Ticks).Append(c.ProfileId)
                    .Append(c.ProfileCreatedAt.Ticks).Append(c.ProfileUpdatedAt.Ticks).Append(c.Profile() ?? "<none>").Append('\n');
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
