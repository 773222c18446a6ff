using Matchmade.Core.Connection;
using Matchmade.Core.Sql;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// A run's users: <see cref="Total"/> in scope (all, or the -UserId ones that exist), <see cref="Skipped"/> as already
/// migrated (0 with -Force), and <see cref="Cap"/> to process (the rest, at most -MaxUsers).
/// </summary>
internal sealed record Scope(long Total, long Skipped, long Cap)
{
    public static Scope Count(NpgsqlConnection connection, NpgsqlTransaction? transaction, bool targetExists, DatabaseTarget target, MigrationOptions options, IOperationLog log)
    {
        using var command = new NpgsqlCommand(SqlText.For(targetExists ? "scope-counts.sql" : "scope-counts-no-target.sql", target.Schemas), connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)options.UserIds?.ToArray() ?? DBNull.Value });
        using var reader = command.ExecuteReader();
        reader.Read();
        var total = reader.GetInt64(0);
        var alreadyMigrated = reader.GetInt64(1);
        var skipped = options.Force ? 0 : alreadyMigrated;
        var cap = total - skipped;
        if (options.MaxUsers is { } max)
        {
            cap = Math.Min(cap, max);
        }

        if (options.UserIds is { Count: > 0 } ids && total < ids.Distinct(StringComparer.Ordinal).Count())
        {
            log.Warning(GivenUserIds.MissingWarning(target, ids, total));
        }

        log.Verbose($"{total:N0} users in scope, {alreadyMigrated:N0} already migrated{(options.Force ? " (rebuilt: -Force)" : " (skipped)")}, {cap:N0} to {(options.DryRun ? "check" : "migrate")} in batches of {options.BatchSize:N0}.");
        return new Scope(total, skipped, cap);
    }
}
