using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Replication;

/// <summary>One standby as the gate sees it: how far its replay is behind this server, in bytes and in time.</summary>
public sealed record StandbyLag(int Pid, string Name, long BytesBehind, TimeSpan Behind);

/// <summary>
/// Holds writes back while a streaming standby is too far behind: call <see cref="WaitBeforeBatch"/> before each
/// batch is written (any number of workers may share one gate). Off (a no-op, no connection) when the limit is 0.
/// </summary>
/// <remarks>
/// A standby's time behind is the larger of the server's own replay_lag and what the gate observes itself: how long
/// ago this server's WAL position was already past the standby's replay position (the gate samples the position at
/// every check). The second measure is what makes a paused or stalled standby count even while replay_lag is NULL
/// or stale (a standby that has stopped replaying, or replying, reports nothing new). A standby that disappears
/// from pg_stat_replication stops counting.
/// </remarks>
public sealed class ReplicationLagGate : IDisposable
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan VerboseInterval = TimeSpan.FromSeconds(5);

    private readonly NpgsqlConnection? connection;
    private readonly TimeSpan limit;
    private readonly IOperationLog log;
    private readonly string activity;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly object sync = new();

    // (when, WAL position) in position order, oldest first; pruned once every standby has replayed past a sample.
    private readonly List<(TimeSpan At, long Position)> samples = [];
    private TimeSpan waited;

    private ReplicationLagGate(NpgsqlConnection? connection, TimeSpan limit, IOperationLog log, string activity)
    {
        this.connection = connection;
        this.limit = limit;
        this.log = log;
        this.activity = activity;
    }

    public bool Enabled => connection is not null;

    /// <summary>How long writes were held back so far.</summary>
    public TimeSpan Waited
    {
        get
        {
            lock (sync)
            {
                return waited;
            }
        }
    }

    /// <summary>
    /// A gate with a limit of <paramref name="maxLagSeconds"/> (0 = off). Checks before anything is written that the
    /// role can see the standbys' positions; throws PermissionDenied when it cannot.
    /// </summary>
    public static ReplicationLagGate Create(DatabaseTarget target, int maxLagSeconds, IOperationLog log, string activity, CancellationToken cancellationToken)
    {
        if (maxLagSeconds < 0)
        {
            throw new MatchmadeException(ErrorIds.InvalidMaxReplicationLag, FailureKind.InvalidArgument, "MaxReplicationLagSeconds must be 0 (off) or more.");
        }

        if (maxLagSeconds == 0)
        {
            return new ReplicationLagGate(null, TimeSpan.Zero, log, activity);
        }

        var connection = target.Open(cancellationToken);
        try
        {
            Db.KeepWhileIdle(connection); // asked before each batch, idle while the batch is written
            using (var command = new NpgsqlCommand(SqlText.Raw("replication-visibility.sql"), connection))
            {
                if (!(bool)command.ExecuteScalar()!)
                {
                    throw new MatchmadeException(
                        ErrorIds.PermissionDenied,
                        FailureKind.PermissionDenied,
                        $"-MaxReplicationLagSeconds needs to read the standbys' replay positions in pg_stat_replication, which PostgreSQL shows only to superusers and members of pg_monitor (or pg_read_all_stats). Ask the DBA to GRANT pg_monitor TO \"{target.UserName}\", or run without -MaxReplicationLagSeconds. Nothing was written.",
                        target: target.Display);
                }
            }

            var gate = new ReplicationLagGate(connection, TimeSpan.FromSeconds(maxLagSeconds), log, activity);
            var standbys = gate.Measure();
            log.Verbose(standbys.Count == 0
                ? $"Replication lag limit {maxLagSeconds} s: no standby is streaming from this server now; one that connects later counts."
                : $"Replication lag limit {maxLagSeconds} s: watching {string.Join(", ", standbys.Select(Describe))}.");
            return gate;
        }
        catch (Exception e)
        {
            connection.Dispose();
            throw DbErrors.During(e, "Reading the standbys' replication lag", target);
        }
    }

    /// <summary>
    /// Returns once no standby is more than the limit behind (at once when none is), polling every second meanwhile
    /// with progress that names the standby. Throws <see cref="OperationCanceledException"/> when cancelled while
    /// waiting (nothing of the batch has been written then).
    /// </summary>
    public void WaitBeforeBatch(CancellationToken cancellationToken)
    {
        if (connection is null)
        {
            return;
        }

        lock (sync)
        {
            var started = clock.Elapsed;
            TimeSpan? lastVerbose = null;
            while (true)
            {
                var worst = Measure().Where(s => s.Behind > limit).MaxBy(s => s.Behind);
                var now = clock.Elapsed;
                if (worst is null)
                {
                    if (now > started + PollInterval / 2)
                    {
                        waited += now - started;
                        log.Verbose(string.Create(CultureInfo.InvariantCulture, $"Standbys within {limit.TotalSeconds:N0} s again after {(now - started).TotalSeconds:N0} s; writing resumes."));
                    }

                    return;
                }

                var status = string.Create(CultureInfo.InvariantCulture, $"waiting for standby {worst.Name}: {worst.Behind.TotalSeconds:N0} s behind");
                log.Progress(new OperationProgress(activity, status, -1, null));
                if (lastVerbose is null || now - lastVerbose >= VerboseInterval)
                {
                    lastVerbose = now;
                    log.Verbose(string.Create(CultureInfo.InvariantCulture, $"Holding the next batch back: standby {Describe(worst)}, over the limit of {limit.TotalSeconds:N0} s."));
                }

                cancellationToken.WaitHandle.WaitOne(PollInterval);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Every streaming standby's lag now (and one more sample of this server's WAL position).</summary>
    private List<StandbyLag> Measure()
    {
        var rows = new List<(int Pid, string Name, long Replay, double? ReplayLag)>();
        long current;
        using (var command = new NpgsqlCommand(SqlText.Raw("replication-lag.sql"), connection))
        using (var reader = command.ExecuteReader())
        {
            current = 0;
            while (reader.Read())
            {
                current = reader.GetInt64(0);
                if (!reader.IsDBNull(1) && !reader.IsDBNull(3))
                {
                    rows.Add((reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
                }
            }
        }

        var now = clock.Elapsed;
        if (samples.Count == 0 || samples[^1].Position < current)
        {
            samples.Add((now, current)); // the earliest time this position was reached is what counts
        }

        var lags = rows.ConvertAll(r => Lag(r.Pid, r.Name, current, r.Replay, r.ReplayLag, now));
        // Samples every standby has replayed past can never count again; without standbys only the latest is needed.
        var slowest = rows.Count == 0 ? current : rows.Min(r => r.Replay);
        var done = samples.FindIndex(s => s.Position > slowest);
        samples.RemoveRange(0, done < 0 ? samples.Count - 1 : done);
        return lags;
    }

    private StandbyLag Lag(int pid, string name, long current, long replay, double? replayLag, TimeSpan now)
    {
        var bytes = Math.Max(0, current - replay);
        if (bytes == 0)
        {
            return new StandbyLag(pid, name, 0, TimeSpan.Zero); // replayed everything: a stale replay_lag means nothing
        }

        var firstAhead = samples.Find(s => s.Position > replay);
        var observed = now - firstAhead.At;
        var reported = TimeSpan.FromSeconds(replayLag ?? 0);
        return new StandbyLag(pid, name, bytes, observed > reported ? observed : reported);
    }

    private static string Describe(StandbyLag standby) =>
        string.Create(CultureInfo.InvariantCulture, $"{standby.Name} (pid {standby.Pid}) {standby.Behind.TotalSeconds:N0} s and {standby.BytesBehind / 1024.0:N0} kB behind");

    public void Dispose() => connection?.Dispose();
}
