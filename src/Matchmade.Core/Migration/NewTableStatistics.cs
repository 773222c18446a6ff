using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// After a live run, the new tables' planner statistics (new-tables-analyze.sql says why), refreshed when the run wrote
/// at least a tenth of the users ProfileNew had when the planner last counted its rows (autovacuum's own rule for an
/// analyze, but now instead of a minute later), or the rows were never counted. A canary or the tail of a resumed run
/// leaves them alone. The refresh is worth having, not part of the run: a failure is a warning, and the run's outcome
/// stands.
/// </summary>
internal static class NewTableStatistics
{
    public static void RefreshAfter(DatabaseTarget target, long usersWritten, TimeSpan lockTimeout, IOperationLog log, CancellationToken stop)
    {
        if (usersWritten == 0 || stop.IsCancellationRequested)
        {
            return;
        }

        var analyze = SqlText.For("new-tables-analyze.sql", target.Schemas);
        try
        {
            using var connection = target.Open(stop);
            var (counted, mayAnalyze) = Counted(connection, target.Schemas);
            if (!mayAnalyze)
            {
                log.Verbose("Planner statistics of the new tables not refreshed: this role does not own them (autovacuum refreshes them within minutes).");
                return;
            }

            if (counted > 0 && usersWritten * 10 < counted)
            {
                log.Verbose(string.Create(CultureInfo.InvariantCulture, $"Planner statistics of the new tables kept: this run wrote {usersWritten:N0} users, less than a tenth of the {counted:N0} rows last counted."));
                return;
            }

            Db.SetLockTimeout(connection, null, lockTimeout);
            var watch = Stopwatch.StartNew();
            Db.Execute(connection, null, analyze);
            log.Verbose(string.Create(CultureInfo.InvariantCulture, $"Planner statistics of the new tables refreshed (ANALYZE, {watch.Elapsed.TotalSeconds:N1} s): this run wrote {usersWritten:N0} users."));
        }
        catch (Exception e) when (e is NpgsqlException or MatchmadeException)
        {
            log.Warning($"The new tables' planner statistics were not refreshed ({Secrets.Scrub(e.Message)}). Autovacuum refreshes them within minutes; until then a Sync-ProfileMigration may run slower. To refresh them now: {Statement(analyze)}");
        }
    }

    /// <summary>The SQL file's statement without its comment lines, for a message.</summary>
    private static string Statement(string sql) =>
        string.Join(' ', sql.Split('\n').Where(line => !line.StartsWith("--", StringComparison.Ordinal) && line.Length > 0));

    private static (double Counted, bool MayAnalyze) Counted(NpgsqlConnection connection, SchemaNames schemas)
    {
        using var command = new NpgsqlCommand(SqlText.For("new-tables-counted.sql", schemas), connection);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetDouble(0), reader.GetBoolean(1));
    }
}
