using System.Text.Json;
using Matchmade.Core.Errors;

namespace Matchmade.Core.Reporting;

/// <summary>Writes a report's <c>run</c> and <c>counts</c> objects (docs/report-schema.md).</summary>
internal static class ReportHeaderWriter
{
    public static void WriteRun(Utf8JsonWriter w, ReportRunInfo run)
    {
        w.WriteStartObject(ReportFormat.RunName);
        w.WriteString(ReportFormat.RunFields.RunId, run.RunId);
        w.WriteString(ReportFormat.RunFields.Mode, run.Mode);
        w.WriteString(ReportFormat.RunFields.Status, run.Status);
        w.WriteString(ReportFormat.RunFields.ModuleVersion, run.ModuleVersion);
        w.WriteString(ReportFormat.RunFields.RulesFingerprint, run.RulesFingerprint);
        w.WriteString(ReportFormat.RunFields.StartedAt, run.StartedAt);
        if (run.FinishedAt is { } finished)
        {
            w.WriteString(ReportFormat.RunFields.FinishedAt, finished);
        }
        else
        {
            w.WriteNull(ReportFormat.RunFields.FinishedAt);
        }

        w.WriteString(ReportFormat.RunFields.Server, Secrets.Scrub(run.Server));
        w.WriteString(ReportFormat.RunFields.Database, run.Database);
        w.WriteString(ReportFormat.RunFields.Schema, run.Schema);
        w.WriteString(ReportFormat.RunFields.UserName, run.UserName);
        w.WriteStartObject(ReportFormat.RunFields.Parameters);
        foreach (var (name, value) in run.Parameters)
        {
            EntryEncoder.WriteNullable(w, name, value is null ? null : Secrets.Scrub(value));
        }

        w.WriteEndObject();
        EntryEncoder.WriteNullable(w, ReportFormat.RunFields.Message, run.Message is null ? null : Secrets.Scrub(run.Message));
        w.WriteEndObject();
    }

    public static void WriteCounts(Utf8JsonWriter w, ReportCounts c)
    {
        w.WriteStartObject(ReportFormat.CountsName);
        w.WriteNumber(ReportFormat.CountFields.UsersTotal, c.UsersTotal);
        w.WriteNumber(ReportFormat.CountFields.UsersMigrated, c.UsersMigrated);
        w.WriteNumber(ReportFormat.CountFields.UsersSkipped, c.UsersSkipped);
        w.WriteNumber(ReportFormat.CountFields.UsersFailed, c.UsersFailed);
        w.WriteNumber(ReportFormat.CountFields.ProfilesWritten, c.ProfilesWritten);
        w.WriteNumber(ReportFormat.CountFields.ContextIntentsWritten, c.ContextIntentsWritten);
        w.WriteNumber(ReportFormat.CountFields.Conflicts, c.Conflicts);
        w.WriteNumber(ReportFormat.CountFields.UnmappedFields, c.UnmappedFields);
        w.WriteNumber(ReportFormat.CountFields.UnmappedKeys, c.UnmappedKeys);
        w.WriteNumber(ReportFormat.CountFields.InvalidValues, c.InvalidValues);
        w.WriteNumber(ReportFormat.CountFields.Errors, c.Errors);
        ReportFigures.Write(w, c);
        w.WriteEndObject();
    }
}
