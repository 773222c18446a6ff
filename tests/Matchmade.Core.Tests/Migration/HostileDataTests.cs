using Matchmade.Core.Connection;
using Matchmade.Core.Migration;
using Matchmade.Core.Reporting;
using Matchmade.Core.Verification;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;
using Xunit.Abstractions;

namespace Matchmade.Core.Tests.Migration;

/// <summary>
/// Fuzz: more than 10,000 adversarial blobs (<see cref="HostileBlobs"/>) plus 10 MB strings, migrated by the live
/// run with two workers. Every user is migrated (the merge never gives up on a blob: what it cannot migrate it
/// reports), the dry run counts the same, and Test-MigrationIntegrity's checks, reconciliation and nothing-lost
/// included, pass afterwards; the report reads back whole.
/// </summary>
public sealed class HostileDataTests(ITestOutputHelper output)
{
    private const int Users = 4_200;
    private static readonly string[] Types = ["romantic", "friendship", "professional", "creative", "service"];

    [Fact]
    public void Ten_thousand_hostile_blobs_are_migrated_or_reported_and_integrity_passes()
    {
        using var db = DatabaseFixture.CreateFresh("fuzz");
        int blobs;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using (var c = db.Open())
        {
            blobs = Load(c);
        }

        output.WriteLine($"loaded {blobs:N0} blobs in {watch.Elapsed.TotalSeconds:N1} s");

        Assert.True(blobs >= 10_000, $"only {blobs} blobs");
        var reports = Directory.CreateTempSubdirectory("mm-fuzz-").FullName;
        try
        {
            using var target = DatabaseTarget.Create(new ConnectionRequest { ConnectionString = db.ConnectionString });
            watch.Restart();
            var dry = new MigrationRunner(target, new MigrationOptions { DryRun = true, BatchSize = 500, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            output.WriteLine($"dry run {watch.Elapsed.TotalSeconds:N1} s");
            watch.Restart();
            var live = new MigrationRunner(target, new MigrationOptions { BatchSize = 500, ThrottleLimit = 2, ReportPath = reports }, new RecordingLog()).Run(CancellationToken.None);
            Assert.True(live.Status == RunStatus.Completed, live.Failure?.Message);
            Assert.Equal(Users, live.UsersMigrated);
            Assert.Equal(0, live.UsersFailed);
            Assert.Equal(
                (dry.UsersMigrated, dry.ContextIntentsWritten, dry.Conflicts, dry.UnmappedFields, dry.InvalidValues),
                (live.UsersMigrated, live.ContextIntentsWritten, live.Conflicts, live.UnmappedFields, live.InvalidValues));
            Assert.True(live.InvalidValues > 1000 && live.UnmappedFields > 1000 && live.Conflicts > 100, $"{live.InvalidValues} invalid, {live.UnmappedFields} unmapped, {live.Conflicts} conflicts");

            output.WriteLine($"live run {watch.Elapsed.TotalSeconds:N1} s: {live.InvalidValues:N0} invalid values, {live.UnmappedFields:N0} unmapped, {live.Conflicts:N0} conflicts");
            watch.Restart();
            var results = new List<IntegrityCheckResult>();
            var each = System.Diagnostics.Stopwatch.StartNew();
            foreach (var result in new IntegrityChecker(target, new RecordingLog()).Run(null, null, CancellationToken.None))
            {
                results.Add(result);
                output.WriteLine($"  {result.Name}: {each.Elapsed.TotalSeconds:N1} s");
                each.Restart();
            }

            Assert.Contains(results, r => r.Name == "NothingLost");
            Assert.Contains(results, r => r.Name == "Reconciliation");
            Assert.All(results, r => Assert.True(r.Passed, $"{r.Name}: {r.Detail}"));
            output.WriteLine($"integrity {watch.Elapsed.TotalSeconds:N1} s");

            var header = ReportReader.ReadHeader(live.ReportPath!);
            Assert.Equal(live.InvalidValues, ReportReader.ReadEntries(live.ReportPath!, ReportEntryKind.InvalidValue).LongCount());
            Assert.Equal(live.Conflicts, ReportReader.ReadEntries(live.ReportPath!, ReportEntryKind.Conflict).LongCount());
            Assert.Equal(live.UnmappedFields, header.Count("unmappedFields"));
        }
        finally
        {
            Directory.Delete(reports, recursive: true);
        }

        using var check = db.Open();
        Assert.Equal((long)Users, Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\""));
        Assert.Equal(Scalar<long>(check, "SELECT count(*) FROM \"ContextProfile\""), Scalar<long>(check, "SELECT count(*) FROM \"ContextIntent\""));
        // The huge string went to location whole (TEXT holds the value, unescaped).
        Assert.True(Scalar<long>(check, "SELECT octet_length(location) FROM \"ProfileNew\" WHERE \"userId\" = 'fuzz_00000'") >= 10L * 1024 * 1024);
    }

    /// <summary>Users with 1 to 4 contexts; every 25th context has no Profile row; returns how many blobs were loaded.</summary>
    private static int Load(NpgsqlConnection c)
    {
        var userIds = new List<string>();
        var contextIds = new List<string>();
        var contextUsers = new List<string>();
        var contextTypes = new List<string>();
        var contextTimes = new List<DateTime>();
        var profileIds = new List<string>();
        var profileContexts = new List<string>();
        var blobs = new List<string>();
        var start = new DateTime(2025, 1, 1);
        var n = 0;
        for (var u = 0; u < Users; u++)
        {
            var userId = $"fuzz_{u:D5}";
            userIds.Add(userId);
            for (var k = 0; k < 1 + (u % 4); k++)
            {
                var contextId = $"{userId}_cp{k}";
                contextIds.Add(contextId);
                contextUsers.Add(userId);
                contextTypes.Add(Types[(u + k) % Types.Length]);
                // Some contexts share a createdAt: the order falls back to contextType, then id.
                contextTimes.Add(start.AddMinutes(u).AddSeconds(k % 2 == 0 ? k : 0));
                if (contextIds.Count % 25 != 0)
                {
                    profileIds.Add($"{contextId}_p");
                    profileContexts.Add(contextId);
                    blobs.Add(n switch
                    {
                        0 => HostileBlobs.Huge(10, mapped: true), // user 0's only context
                        1 => HostileBlobs.Huge(10, mapped: false),
                        2 => HostileBlobs.Nested(12_000), // deeper than the merge reads: one invalid value, the whole blob
                        _ => HostileBlobs.Blob(n, seed: 2026),
                    });
                    n++;
                }
            }
        }

        Exec(c, """
            INSERT INTO "User" (id, email, "createdAt", "updatedAt") SELECT id, id || '@fuzz.test', now(), now() FROM unnest($1::text[]) AS id
            """, userIds.ToArray());
        Exec(c, """
            INSERT INTO "ContextProfile" (id, "userId", "contextType", "createdAt", "updatedAt")
            SELECT id, u, t::"RelationshipContextType", at, at FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp[]) AS x(id, u, t, at)
            """, contextIds.ToArray(), contextUsers.ToArray(), contextTypes.ToArray(), contextTimes.ToArray());
        // In slices: one statement with every blob would be hundreds of MB of parameters.
        for (var from = 0; from < blobs.Count; from += 500)
        {
            var count = Math.Min(500, blobs.Count - from);
            Exec(c, """
                INSERT INTO "Profile" (id, "contextProfileId", data, "createdAt", "updatedAt")
                SELECT id, cp, d::jsonb, now(), now() FROM unnest($1::text[], $2::text[], $3::text[]) AS x(id, cp, d)
                """, profileIds.GetRange(from, count).ToArray(), profileContexts.GetRange(from, count).ToArray(), blobs.GetRange(from, count).ToArray());
        }

        Exec(c, "ANALYZE");
        return blobs.Count;
    }

    private static void Exec(NpgsqlConnection c, string sql, params Array[] values)
    {
        using var command = new NpgsqlCommand(sql, c);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        command.ExecuteNonQuery();
    }
}
