using Npgsql;

namespace Matchmade.Fixtures;

public sealed partial class LocalCluster
{
    /// <summary>
    /// A streaming standby of this cluster: <c>pg_basebackup -R</c> into a fresh folder (as the postgres OS user when
    /// this process is root), started on a free port of its own. Disposing it stops it and removes its folder. The
    /// primary needs wal_level replica or higher and a replication entry in pg_hba.conf (initdb's defaults have both).
    /// </summary>
    public LocalCluster StartStandby()
    {
        var root = Path.Combine(Path.GetDirectoryName(RootDirectory)!, "matchmade-standby-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        try
        {
            if (IsRoot)
            {
                Run("chown", ["postgres:postgres", root], null);
            }

            var data = Path.Combine(root, "data");
            var primary = $"host={Host} port={Port} user=postgres password={Password} application_name=standby_{Path.GetFileName(root)[^6..]}";
            Run(Path.Combine(BinDirectory, "pg_basebackup"), ["-d", primary, "-D", data, "-R", "-X", "stream", "--no-sync"], IsRoot ? "postgres" : null);
            // The standby listens on its own port and socket folder; the rest (fsync off and so on) comes with the copy.
            // It reports its positions every second (default 10 s), so the primary's view of it is fresh in tests.
            File.AppendAllLines(Path.Combine(data, "postgresql.auto.conf"), [$"unix_socket_directories = '{root}'", "hot_standby = on", "wal_receiver_status_interval = 1"]);
            for (var attempt = 1; ; attempt++)
            {
                var standby = new LocalCluster(BinDirectory, root, FreePort(), Password, new LocalClusterOptions());
                try
                {
                    standby.PgCtl("start", "-w", "-t", "60", "-o", $"-p {standby.Port}");
                }
                catch (InvalidOperationException) when (attempt < 5 && PortWasTaken(standby.LogFile, 0))
                {
                    continue;
                }

                standby.StartWatchdog();
                return standby;
            }
        }
        catch
        {
            Abandon(BinDirectory, root);
            throw;
        }
    }

    /// <summary>The standby's application_name as the primary's pg_stat_replication shows it.</summary>
    public string StandbyName => "standby_" + Path.GetFileName(RootDirectory)[^6..];

    /// <summary>On a standby: pauses (true) or resumes (false) WAL replay; it goes on receiving WAL meanwhile.</summary>
    public void SetReplayPaused(bool paused)
    {
        // Not pooled: a pooled connection may be one from before a restart of the standby.
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString()) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()", connection);
        command.ExecuteNonQuery();
    }
}
