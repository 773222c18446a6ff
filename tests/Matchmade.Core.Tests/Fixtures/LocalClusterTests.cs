using System.Net.Sockets;
using Matchmade.Fixtures;
using Npgsql;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Core.Tests.Fixtures;

/// <summary>The throwaway clusters: real servers from the local PostgreSQL binaries.</summary>
public sealed class LocalClusterTests
{
    [Fact]
    public void A_cluster_listens_on_loopback_takes_only_its_password_survives_a_crash_restart_and_is_removed()
    {
        var cluster = LocalCluster.Start(new LocalClusterOptions
        {
            Durable = true,
            Settings = new Dictionary<string, string> { ["work_mem"] = "12MB", ["application_name"] = "it's a test" },
        });
        var root = cluster.RootDirectory;
        try
        {
            Assert.Equal("127.0.0.1", cluster.Host);
            Assert.StartsWith(root, cluster.DataDirectory, StringComparison.Ordinal);
            Assert.Matches("^[0-9a-f]{32}$", cluster.Password);
            Assert.Equal($"postgresql://postgres:{cluster.Password}@127.0.0.1:{cluster.Port}/app", cluster.Url("app"));

            using (var c = Open(cluster.ConnectionString()))
            {
                Assert.Equal("on", Scalar<string>(c, "SELECT current_setting('fsync')")); // Durable: realistic settings
                Assert.Equal("on", Scalar<string>(c, "SELECT current_setting('full_page_writes')"));
                Assert.Equal("12MB", Scalar<string>(c, "SELECT current_setting('work_mem')"));
                Assert.Equal("it's a test", Scalar<string>(c, "SELECT current_setting('application_name')"));
                Assert.Equal("200", Scalar<string>(c, "SELECT current_setting('max_connections')"));
                Assert.Equal("127.0.0.1", Scalar<string>(c, "SELECT current_setting('listen_addresses')"));
                Assert.Equal(root, Scalar<string>(c, "SELECT current_setting('unix_socket_directories')"));
                Assert.Equal("UTF8", Scalar<string>(c, "SELECT current_setting('server_encoding')"));
                Assert.Equal("C.UTF-8", Scalar<string>(c, "SELECT datcollate FROM pg_database WHERE datname = 'postgres'"));
                Assert.True(Scalar<bool>(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
                // Password authentication for TCP and the socket alike.
                Assert.Equal("scram-sha-256", Scalar<string>(c, "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules"));
                Exec(c, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
            }

            Assert.True(File.Exists(Path.Combine(root, $".s.PGSQL.{cluster.Port}")), "the socket is in the cluster's own folder");
            var wrong = new NpgsqlConnectionStringBuilder(cluster.ConnectionString()) { Password = "wrong", Pooling = false }.ConnectionString;
            Assert.Equal("28P01", Assert.Throws<PostgresException>(() => Open(wrong).Dispose()).SqlState);
            using (var viaUrl = Open(TestServer.ToConnectionString(cluster.Url())))
            {
                Assert.Equal(1, Scalar<int>(viaUrl, "SELECT 1"));
            }

            // A crash restart: committed data is there afterwards, the old sessions are gone.
            using var before = Open(new NpgsqlConnectionStringBuilder(cluster.ConnectionString()) { Pooling = false }.ConnectionString);
            cluster.Restart();
            Assert.ThrowsAny<Exception>(() => Scalar<int>(before, "SELECT 1"));
            NpgsqlConnection.ClearPool(new NpgsqlConnection(cluster.ConnectionString())); // its idle connections died with the server
            using (var after = Open(cluster.ConnectionString()))
            {
                Assert.Equal(42, Scalar<int>(after, "SELECT v FROM kept"));
            }

            var port = cluster.Port;
            cluster.Dispose();
            Assert.False(Directory.Exists(root), "the cluster's folder is removed");
            using var probe = new TcpClient();
            Assert.ThrowsAny<SocketException>(() => probe.Connect("127.0.0.1", port));
        }
        finally
        {
            cluster.Dispose();
        }
    }

    [Fact]
    public void The_tests_own_cluster_trades_durability_for_speed()
    {
        if (TestServer.Shared.Cluster is null)
        {
            return; // MATCHMADE_TEST_DATABASE_URL: someone else's server and settings
        }

        using var c = Open(TestServer.Shared.AdminConnectionString);
        Assert.Equal("off,off,off", Scalar<string>(c, "SELECT concat_ws(',', current_setting('fsync'), current_setting('synchronous_commit'), current_setting('full_page_writes'))"));
    }

    [Fact]
    public void The_binaries_are_found_from_the_variable_or_the_newest_debian_folder_and_a_missing_server_says_what_to_install()
    {
        var root = Directory.CreateTempSubdirectory("matchmade-bin-").FullName;
        try
        {
            foreach (var version in new[] { "9.6", "13", "15", "16" })
            {
                Directory.CreateDirectory(Path.Combine(root, version, "bin"));
                if (version != "16")
                {
                    File.WriteAllText(Path.Combine(root, version, "bin", "initdb"), string.Empty);
                }
            }

            Assert.Equal(Path.Combine(root, "15", "bin"), LocalCluster.FindBinDirectory(null, usePgConfig: false, root)); // 16 has no initdb
            Assert.Equal(Path.Combine(root, "13", "bin"), LocalCluster.FindBinDirectory(Path.Combine(root, "13", "bin"), usePgConfig: true, root));
            var configured = Assert.Throws<InvalidOperationException>(() => LocalCluster.FindBinDirectory(Path.Combine(root, "16", "bin"), usePgConfig: true, root));
            Assert.Contains("MATCHMADE_PG_BIN", configured.Message, StringComparison.Ordinal);
            // Fedora's and Homebrew's server packages put initdb on PATH (pg_config comes with the development package).
            var path = string.Join(Path.PathSeparator, Path.Combine(root, "16", "bin"), Path.Combine(root, "13", "bin"));
            Assert.Equal(Path.Combine(root, "13", "bin"), LocalCluster.FindBinDirectory(null, usePgConfig: false, Path.Combine(root, "nothing"), path));
            var none = Assert.Throws<InvalidOperationException>(() => LocalCluster.FindBinDirectory(null, usePgConfig: false, Path.Combine(root, "nothing"), Path.Combine(root, "16", "bin")));
            Assert.Contains("apt-get install postgresql", none.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void The_stop_command_goes_through_runuser_only_for_root()
    {
        var root = LocalCluster.StopCommand("/pg/bin", "/tmp/c/data", "fast", asRoot: true);
        var user = LocalCluster.StopCommand("/pg/bin", "/tmp/c/data", "fast", asRoot: false);
        Assert.Equal("runuser -u postgres -- '/pg/bin/pg_ctl' -D '/tmp/c/data' stop -m fast", root);
        Assert.Equal("'/pg/bin/pg_ctl' -D '/tmp/c/data' stop -m fast", user); // runuser refuses non-root users
    }

    [Fact]
    public void A_missing_server_OS_user_is_named_with_what_to_do()
    {
        LocalCluster.EnsureOsUser("root");
        var e = Assert.Throws<InvalidOperationException>(() => LocalCluster.EnsureOsUser("matchmade-no-such-user"));
        Assert.Contains("'matchmade-no-such-user' OS user; there is no such user here", e.Message, StringComparison.Ordinal);
        Assert.Contains("run as a non-root user", e.Message, StringComparison.Ordinal);
    }
}
