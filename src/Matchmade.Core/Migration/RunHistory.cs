using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>One row of the run history.</summary>
public sealed record RunRecord(
    Guid RunId, string Mode, string Status, string ModuleVersion, DateTime StartedAt, DateTime? FinishedAt,
    long UsersTotal, long UsersMigrated, long UsersSkipped, long UsersFailed, long ContextIntentsWritten,
    long Conflicts, long UnmappedFields, long InvalidValues, long Errors, string? ReportPath, string? Message)
{
    /// <summary>
    /// The modes whose runs write a report file (and, until it is written, the findings journal): live migrations and
    /// syncs. A completion writes neither (its outcome is the history row), and dry runs are not in the history.
    /// </summary>
    public static readonly IReadOnlyList<string> ReportModes = [nameof(RunMode.Live), nameof(RunMode.Sync)];

    /// <summary>Whether this run writes a report file (see <see cref="ReportModes"/>).</summary>
    public bool WritesReport => ReportModes.Contains(Mode, StringComparer.Ordinal);

    /// <summary>The counts the history keeps, in the shape of the report's and the outcome's (the rest are 0).</summary>
    public ReportCounts Counts => new()
    {
        UsersTotal = UsersTotal,
        UsersMigrated = UsersMigrated,
        UsersSkipped = UsersSkipped,
        UsersFailed = UsersFailed,
        ContextIntentsWritten = ContextIntentsWritten,
        Conflicts = Conflicts,
        UnmappedFields = UnmappedFields,
        InvalidValues = InvalidValues,
        Errors = Errors,
    };

    /// <summary>The run's metadata in the shape of the report's: where is the target's, as the history does not keep it.</summary>
    public ReportRunInfo RunInfo(DatabaseTarget target) => new()
    {
        RunId = RunId,
        Mode = Mode,
        Status = Status,
        ModuleVersion = ModuleVersion,
        RulesFingerprint = string.Empty,
        StartedAt = new DateTimeOffset(DateTime.SpecifyKind(StartedAt, DateTimeKind.Utc)),
        FinishedAt = FinishedAt is { } f ? new DateTimeOffset(DateTime.SpecifyKind(f, DateTimeKind.Utc)) : null,
        Server = target.Server,
        Database = target.Database,
        Schema = target.Schemas.App,
        UserName = target.UserName,
        Message = Message,
    };
}

/// <summary>
/// The run history in the module's own schema. Start and finish go through the lock's session; each batch's counts
/// and findings (the findings journal, <see cref="FindingsJournal"/>) are added inside the batch's own transaction, so
/// an interrupted run's row and journal say exactly what it committed.
/// </summary>
public sealed class RunHistory(NpgsqlConnection connection, DatabaseTarget target, IOperationLog log)
{
    private readonly SchemaNames schemas = target.Schemas;
    private readonly EncodedFindings.Pool journalRows = new();

    /// <summary>Journal values as the report has them: "[redacted]" when the run redacts its report.</summary>
    public bool RedactValues { get; init; }

    /// <summary>Creates the state schema if needed and marks runs that died without finishing as Interrupted; returns those.</summary>
    public IReadOnlyList<Guid> Prepare()
    {
        using (var ddl = new NpgsqlCommand(SqlText.For("state-schema.sql", schemas), connection))
        {
            ddl.ExecuteNonQuery();
        }

        FindingsJournal.CompressWithLz4(connection, schemas);

        using var abandoned = new NpgsqlCommand(SqlText.For("run-abandoned.sql", schemas), connection);
        abandoned.Parameters.AddWithValue("app_schema", schemas.App);
        using var reader = abandoned.ExecuteReader();
        var interrupted = new List<Guid>();
        while (reader.Read())
        {
            // The users of its committed batches are skipped by this run: say where their findings are.
            var id = reader.GetGuid(0);
            interrupted.Add(id);
            log.Warning($"Run {id} ended without finishing (marked Interrupted). The findings of the batches it committed: Get-MigrationReport -RunId {id}.");
        }

        return interrupted;
    }

    public void Start(Guid runId, RunMode mode, IReadOnlyDictionary<string, string?> parameters, long usersTotal, long usersSkipped)
    {
        using var command = new NpgsqlCommand(SqlText.For("run-start.sql", schemas), connection);
        command.Parameters.AddWithValue("run_id", runId);
        command.Parameters.AddWithValue("app_schema", schemas.App);
        command.Parameters.AddWithValue("mode", mode.ToString());
        command.Parameters.AddWithValue("module_version", DatabaseTarget.ModuleVersion);
        command.Parameters.AddWithValue("rules_fingerprint", FieldCatalog.RulesFingerprint);
        command.Parameters.AddWithValue("parameters", JsonSerializer.Serialize(parameters));
        command.Parameters.AddWithValue("users_total", usersTotal);
        command.Parameters.AddWithValue("users_skipped", usersSkipped);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Adds a batch's counts and journals its findings and errors, in the batch's transaction (one statement); returns
    /// them as journaled (null when there were none), for the report to take (<see cref="ReportWriter.AddBatch"/>).
    /// </summary>
    internal EncodedFindings? Batch(NpgsqlTransaction transaction, Guid runId, int migrated, int failed, int intents, IReadOnlyList<Finding> findings, IReadOnlyList<RunError> errors)
    {
        long conflicts = 0, unmapped = 0, invalid = 0;
        (string User, ContextType Context)? lastUnmapped = null;
        foreach (var finding in findings)
        {
            switch (finding)
            {
                case Conflict:
                    conflicts++;
                    break;
                case InvalidValue:
                    invalid++;
                    break;
                case UnmappedField u:
                    // Counted per blob, as the report groups them.
                    if (lastUnmapped != (u.UserId, u.ContextType))
                    {
                        unmapped++;
                        lastUnmapped = (u.UserId, u.ContextType);
                    }

                    break;
            }
        }

        using var command = new NpgsqlCommand(SqlText.For("run-batch.sql", schemas), transaction.Connection, transaction);
        command.Parameters.AddWithValue("run_id", runId);
        command.Parameters.AddWithValue("migrated", (long)migrated);
        command.Parameters.AddWithValue("failed", (long)failed);
        command.Parameters.AddWithValue("intents", (long)intents);
        command.Parameters.AddWithValue("conflicts", conflicts);
        command.Parameters.AddWithValue("unmapped", unmapped);
        command.Parameters.AddWithValue("invalid", invalid);
        var journal = FindingsJournal.Encode(findings, errors, RedactValues, journalRows);
        command.Parameters.Add(new NpgsqlParameter("findings", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = journal is null ? DBNull.Value : journal.Row });
        command.ExecuteNonQuery();
        return journal;
    }

    /// <summary>The history, newest first: one run, or the latest <paramref name="limit"/> (of <paramref name="modes"/> only, when given).</summary>
    public static IReadOnlyList<RunRecord> Read(DatabaseTarget target, Guid? runId, int limit, IReadOnlyList<string>? modes, CancellationToken cancellationToken)
    {
        using var connection = target.Open(cancellationToken);
        try
        {
            if (Schema.SchemaInspector.TablesPresent(connection, target.Schemas.State, ["run"]).Count == 0)
            {
                return [];
            }

            using var command = new NpgsqlCommand(SqlText.For("run-list.sql", target.Schemas), connection);
            command.Parameters.AddWithValue("app_schema", target.Schemas.App);
            command.Parameters.Add(new NpgsqlParameter("run_id", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)runId ?? DBNull.Value });
            command.Parameters.AddWithValue("limit", limit);
            command.Parameters.Add(new NpgsqlParameter("modes", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)modes?.ToArray() ?? DBNull.Value });
            var runs = new List<RunRecord>();
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                runs.Add(new RunRecord(
                    reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4),
                    reader.IsDBNull(5) ? null : reader.GetDateTime(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8),
                    reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14),
                    reader.IsDBNull(15) ? null : reader.GetString(15), reader.IsDBNull(16) ? null : reader.GetString(16)));
            }

            return runs;
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Reading the run history", target);
        }
    }

    /// <summary>Best effort: if the lock's session died with the run, the next run marks this one Interrupted.</summary>
    public void Finish(Guid runId, MigrationOutcome outcome)
    {
        try
        {
            using var command = new NpgsqlCommand(SqlText.For("run-finish.sql", schemas), connection);
            command.Parameters.AddWithValue("run_id", runId);
            command.Parameters.AddWithValue("status", outcome.Status.ToString());
            command.Parameters.AddWithValue("report_path", (object?)outcome.ReportPath ?? DBNull.Value);
            command.Parameters.AddWithValue("message", (object?)outcome.Message ?? DBNull.Value);
            command.Parameters.AddWithValue("users_failed", outcome.UsersFailed);
            command.Parameters.AddWithValue("errors", outcome.Errors);
            command.ExecuteNonQuery();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Not an error of the run: its batches are committed and its outcome is returned; only the history row
            // stays Running until the next run marks it Interrupted.
            log.Warning($"The run history could not record the end of run {runId}: {Secrets.Scrub(e.Message)}. The next run marks it Interrupted.");
        }
    }
}
