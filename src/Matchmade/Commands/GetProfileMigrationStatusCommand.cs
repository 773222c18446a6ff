using System.Management.Automation;
using Matchmade.Core.Errors;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Shows where a database stands in the profile migration.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "ProfileMigrationStatus")]
[OutputType(typeof(ProfileMigrationStatus))]
public sealed class GetProfileMigrationStatusCommand : MatchmadeCommandBase
{
    private protected override void ProcessDatabase()
    {
        var info = Engine.GetStatus(Cancellation);
        var state = info.Stage == Core.Completion.MigrationStage.Completed ? "Completed"
            : !info.OldTablesExist ? "SourceMissing"
            : !info.NewTablesExist ? "NotStarted"
            : info.UsersNotMigrated > 0 ? "InProgress"
            : "Migrated";
        if (!info.OldTablesExist && info.Stage != Core.Completion.MigrationStage.Completed)
        {
            WriteMatchmadeError(new MatchmadeException(
                ErrorIds.SourceTablesNotFound,
                FailureKind.ObjectNotFound,
                $"Schema '{info.Schema}' of {info.Database} lacks the app's tables {string.Join(", ", info.MissingOldTables)}. Check -Schema (or the URL's ?schema=) and the database name.",
                target: info.Schema));
        }

        WriteObject(new ProfileMigrationStatus
        {
            Server = info.Server,
            Database = info.Database,
            ServerVersion = info.ServerVersion,
            Schema = info.Schema,
            ConnectionSource = Engine.Target.ConnectionSource,
            State = state,
            OldTablesExist = info.OldTablesExist,
            MissingOldTables = [.. info.MissingOldTables],
            NewTablesExist = info.NewTablesExist,
            UserCount = info.UserCount,
            ContextProfileCount = info.ContextProfileCount,
            ProfileCount = info.ProfileCount,
            ProfileNewCount = info.ProfileNewCount,
            ContextIntentCount = info.ContextIntentCount,
            UsersNotMigrated = info.UsersNotMigrated,
            PrismaMigration = info.PrismaMigration.ToString(),
            TrackingInstalled = info.TrackingInstalled,
            TrackingStatus = info.TrackingStatus,
            PendingChangedUsers = info.PendingChangedUsers,
            OldestPendingChangeAge = info.OldestPendingChangeAge,
            Stage = info.Stage.ToString(),
            ArchivePresent = info.ArchivePresent,
            ArchiveRows = info.ArchiveRows,
        });
    }
}
