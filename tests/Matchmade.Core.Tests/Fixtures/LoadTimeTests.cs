using System.Diagnostics;
using Matchmade.Fixtures;
using Matchmade.Tests.Shared;
using Xunit.Abstractions;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>Runs only when MATCHMADE_LOAD_USERS is set (a measurement, not a check).</summary>
public sealed class LoadTimeFactAttribute : FactAttribute
{
    public LoadTimeFactAttribute()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("MATCHMADE_LOAD_USERS"), out _))
        {
            Skip = "set MATCHMADE_LOAD_USERS to a number of users to time the sample loader";
        }
    }
}

/// <summary>
/// How long the sample loader takes on this machine:
/// MATCHMADE_LOAD_USERS=1000000 dotnet test tests/Matchmade.Core.Tests --filter FullyQualifiedName~LoadTime --logger "console;verbosity=detailed"
/// </summary>
public sealed class LoadTimeTests(ITestOutputHelper output)
{
    [LoadTimeFact]
    public void Loads_synthetic_users_with_binary_COPY()
    {
        var users = int.Parse(Environment.GetEnvironmentVariable("MATCHMADE_LOAD_USERS")!, System.Globalization.CultureInfo.InvariantCulture);
        using var db = DatabaseFixture.CreateFresh("load_time");
        using var c = db.Open();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = SampleData.LoadSynthetic(c, users, seed: 42);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var blob = DbAssert.Scalar<double>(c, "SELECT avg(octet_length(data::text))::float8 FROM \"Profile\"");
        output.WriteLine(
            $"Loaded {result.Users:N0} users, {result.ContextProfiles:N0} ContextProfiles, {result.Profiles:N0} Profiles (average {blob:N0} bytes), " +
            $"{result.ChatMessages:N0} ChatMessages in {result.Elapsed.TotalSeconds:N1} s ({result.Users / result.Elapsed.TotalSeconds:N0} users/s; " +
            $"this process used {cpu.TotalSeconds:N1} s of CPU; {Environment.ProcessorCount} cores, load average {LoadAverage()})");
        Assert.Equal(users, result.Users);
        Assert.Equal(result.Users, DbAssert.Scalar<long>(c, "SELECT count(*) FROM \"User\""));
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
