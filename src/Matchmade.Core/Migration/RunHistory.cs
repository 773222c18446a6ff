using System.Text.Json;
using Matchmade.Core.Connection;
using Matchmade.Core.Merge;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// The run history in the module's own schema. Start and finish go through the lock's session; each batch's counts
/// are added inside the batch's own transaction, so an interrupted run's row says exactly what it committed.
/// </summary>
public sealed class RunHistory(NpgsqlConnection connection, DatabaseTarget target)
{
    private readonly SchemaNames schemas = target.Schemas;

    /// <summary>Creates the state schema if needed and marks runs that died without finishing as Interrupted.</summary>
    public void Prepare()
    {
        using (var ddl = new NpgsqlCommand(SqlText.For("state-schema.sql", schemas), connection))
        {
            ddl.ExecuteNonQuery();
        }

        using var abandoned = new NpgsqlCommand(SqlText.For("run-abandoned.sql", schemas), connection);
        abandoned.Parameters.AddWithValue("app_schema", schemas.App);
        abandoned.ExecuteNonQuery();
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

    public void Batch(NpgsqlTransaction transaction, Guid runId, int migrated, int failed, int intents, IReadOnlyList<Finding> findings)
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
        command.ExecuteNonQuery();
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
            _ = e;
        }
    }
}
