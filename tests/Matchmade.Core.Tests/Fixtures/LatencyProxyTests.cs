using System.Diagnostics;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>The benchmark's latency-injecting proxy (-LatencyMs): every byte arrives, each round trip pays the latency twice.</summary>
public sealed class LatencyProxyTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public void A_round_trip_through_the_proxy_takes_twice_the_one_way_latency_and_every_byte_arrives()
    {
        var server = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        using var proxy = new LatencyProxy(server.Host!, server.Port, oneWayMs: 20);
        using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(proxy.Wrap(db.ConnectionString)) { Pooling = false }.ConnectionString);
        c.Open();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(i, Scalar<int>(c, $"SELECT {i}"));
            Assert.True(watch.Elapsed.TotalMilliseconds >= 40, $"round trip {watch.Elapsed.TotalMilliseconds:N1} ms");
        }

        // Megabytes both ways, in order: what went up comes back hashed the same, what came down is whole.
        var big = string.Concat(Enumerable.Range(0, 200_000).Select(i => i.ToString("x6", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(big))), Scalar<string>(c, "SELECT md5(@big)", ("big", big)));
        Assert.Equal(big, Scalar<string>(c, "SELECT @big", ("big", big)));
    }
}
