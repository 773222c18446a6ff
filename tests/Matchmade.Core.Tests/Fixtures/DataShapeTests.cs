using System.Text;
using Matchmade.Core.Json;
using Matchmade.Core.Merge;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>The benchmark's data shapes (-Shape) give what they claim, deterministically, and load into PostgreSQL.</summary>
public sealed class DataShapeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public void Every_shape_is_deterministic_and_differs_from_the_others()
    {
        var digests = DataShapes.All.Select(shape =>
        {
            var first = SampleDataTests.Digest(SampleData.Generate(60, seed: 3, new SyntheticOptions { Shape = shape }));
            Assert.Equal(first, SampleDataTests.Digest(SampleData.Generate(60, seed: 3, new SyntheticOptions { Shape = shape })));
            return first;
        }).ToList();
        Assert.Equal(digests.Count, digests.Distinct().Count());
        Assert.Equal(SampleDataTests.Digest(SampleData.Generate(60, seed: 3)), digests[0]); // synthetic is the default
        Assert.All(DataShapes.All, s => Assert.Equal(s, DataShapes.Parse(DataShapes.Name(s))));
    }

    [Fact]
    public void Conflict_heavy_users_have_2_to_5_contexts_and_most_of_them_conflict()
    {
        var users = SampleData.Generate(1000, seed: 5, new SyntheticOptions { Shape = DataShape.ConflictHeavy }).ToList();
        Assert.All(users, u => Assert.InRange(u.Contexts.Count, 2, 5));
        Assert.All(users, u => Assert.Null(u.EdgeCase));
        Assert.Equal([2, 3, 4, 5], users.Select(u => u.Contexts.Count).Distinct().Order());
        var findings = users.Select(u => Merge(u).Findings).ToList();

        Assert.InRange(Share(findings, f => f is Conflict), 0.8, 1.0);
        Assert.InRange(Share(findings, f => f is UnmappedField), 0.5, 1.0);
        Assert.InRange(Share(findings, f => f is InvalidValue), 0.1, 0.9);
        Assert.True(findings.Average(f => f.Count) >= 4, $"{findings.Average(f => f.Count):N1} findings per user");
        var fields = findings.SelectMany(f => f).OfType<Conflict>().Select(c => c.Field).ToHashSet();
        Assert.Superset(new HashSet<string> { "name", "location", "ageRange", "beliefs.religion", "interactionStyle.energy", "lifestyle.diet" }, fields);
        var invalid = findings.SelectMany(f => f).OfType<InvalidValue>().Select(v => v.Field).ToHashSet();
        Assert.Superset(new HashSet<string?> { "location", "coreValues", "beliefs", "ageRange" }, invalid);
    }

    [Fact]
    public void Large_blobs_average_about_10_KB_with_a_1_MB_blob_and_values_1000_levels_deep()
    {
        var users = SampleData.Generate(400, seed: 5, new SyntheticOptions { Shape = DataShape.LargeBlobs }).ToList();
        var blobs = users.SelectMany(u => u.Contexts).Select(c => c.Profile()).OfType<string>().Select(b => (Text: b, Bytes: Encoding.UTF8.GetByteCount(b))).ToList();
        var ordinary = blobs.Where(b => b.Bytes < 512 * 1024).ToList();
        Assert.InRange(ordinary.Average(b => b.Bytes), 8 * 1024, 13 * 1024);
        Assert.Single(blobs, b => b.Bytes >= 1 << 20); // user 7's first blob
        Assert.InRange(JsonText.NestingDepth(users[11].Contexts[0].Profile()!), 1_000, JsonValues.MaxBlobDepth);
        Assert.All(ordinary, b => Assert.InRange(JsonText.NestingDepth(b.Text), 10, JsonValues.MaxBlobDepth));

        // Every value is mapped and of the right type: the size, not findings, is what this shape measures.
        Assert.All(users, u => Assert.DoesNotContain(Merge(u).Findings, f => f is InvalidValue or UnmappedField));
    }

    [Fact]
    public void Large_blobs_load_into_jsonb_whole()
    {
        // Users 0-11: the 1 MB blob (user 7) and the blob 1,000 levels deep (user 11); jsonb takes both.
        using var c = db.Open();
        var loaded = SampleData.LoadSynthetic(c, 12, seed: 5, options: new SyntheticOptions { Shape = DataShape.LargeBlobs });
        Assert.Equal(12L, loaded.Users);
        Assert.True(Scalar<int>(c, "SELECT max(octet_length(data::text)) FROM \"Profile\"") >= 1 << 20);
        var deep = SampleData.Generate(12, seed: 5, new SyntheticOptions { Shape = DataShape.LargeBlobs }).ElementAt(11).Contexts[0];
        Assert.True(JsonValues.Equal(deep.Profile()!, Scalar<string>(c, $"SELECT data::text FROM \"Profile\" WHERE id = '{deep.ProfileId}'")));
    }

    private static MergeResult Merge(SyntheticUser u) =>
        ProfileMerger.Merge(new SourceUser(u.Id, u.Contexts.Select(c => new SourceContext(c.Id, ContextTypes.Parse(c.ContextType), c.CreatedAt, c.Profile())).ToArray()));

    private static double Share(List<IReadOnlyList<Finding>> findings, Func<Finding, bool> kind) => findings.Count(f => f.Any(kind)) / (double)findings.Count;
}
