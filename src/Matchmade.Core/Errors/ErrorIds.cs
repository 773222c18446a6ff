namespace Matchmade.Core.Errors;

/// <summary>
/// Every stable error id the module raises (<see cref="MatchmadeException.ErrorId"/>, a report's <c>errorId</c>):
/// scripts match on them, so they never change. README.md's list is this list (a test keeps the two equal).
/// </summary>
public static class ErrorIds
{
    // Arguments and the connection string.
    public const string InvalidConnectionString = nameof(InvalidConnectionString);
    public const string ConnectionStringMissing = nameof(ConnectionStringMissing);
    public const string StateSchemaIsAppSchema = nameof(StateSchemaIsAppSchema);
    public const string InvalidBatchSize = nameof(InvalidBatchSize);
    public const string InvalidThrottleLimit = nameof(InvalidThrottleLimit);
    public const string InvalidMaxUsers = nameof(InvalidMaxUsers);
    public const string InvalidMaxReplicationLag = nameof(InvalidMaxReplicationLag);
    public const string InvalidInterval = nameof(InvalidInterval);
    public const string UnknownCheck = nameof(UnknownCheck);

    // Connecting.
    public const string HostUnreachable = nameof(HostUnreachable);
    public const string NotPostgreSQL = nameof(NotPostgreSQL);
    public const string ConnectTimeout = nameof(ConnectTimeout);
    public const string AuthenticationFailed = nameof(AuthenticationFailed);
    public const string DatabaseNotFound = nameof(DatabaseNotFound);
    public const string TooManyConnections = nameof(TooManyConnections);
    public const string ServerStarting = nameof(ServerStarting);
    public const string TlsFailed = nameof(TlsFailed);
    public const string ConnectionFailed = nameof(ConnectionFailed);
    public const string PooledConnection = nameof(PooledConnection);

    // During an operation.
    public const string PermissionDenied = nameof(PermissionDenied);
    public const string LockTimeout = nameof(LockTimeout);
    public const string StatementTimeout = nameof(StatementTimeout);
    public const string ConnectionLost = nameof(ConnectionLost);
    public const string SerializationFailure = nameof(SerializationFailure);
    public const string ReadOnlyTransaction = nameof(ReadOnlyTransaction);
    public const string DatabaseError = nameof(DatabaseError);
    public const string UnexpectedError = nameof(UnexpectedError);

    // The schema, the lock and the run.
    public const string SourceTablesNotFound = nameof(SourceTablesNotFound);
    public const string TablesNotFound = nameof(TablesNotFound);
    public const string MigrationInProgress = nameof(MigrationInProgress);
    public const string PrismaMigrationFailed = nameof(PrismaMigrationFailed);
    public const string UnexpectedTableShape = nameof(UnexpectedTableShape);
    public const string PartialSchema = nameof(PartialSchema);
    public const string UserMergeFailed = nameof(UserMergeFailed);
    public const string UserWriteFailed = nameof(UserWriteFailed);

    // Reports and the run history.
    public const string ReportExists = nameof(ReportExists);
    public const string ReportPathNotWritable = nameof(ReportPathNotWritable);
    public const string ReportWriteFailed = nameof(ReportWriteFailed);
    public const string ReportNotFound = nameof(ReportNotFound);
    public const string ReportNotReadable = nameof(ReportNotReadable);
    public const string ReportCorrupt = nameof(ReportCorrupt);
    public const string ReportNotRecognized = nameof(ReportNotRecognized);
    public const string ReportSchemaUnsupported = nameof(ReportSchemaUnsupported);
    public const string RunNotFound = nameof(RunNotFound);

    // Undo.
    public const string NothingToUndo = nameof(NothingToUndo);
    public const string ForeignRowsPresent = nameof(ForeignRowsPresent);
    public const string NewTablesHaveDependents = nameof(NewTablesHaveDependents);
    public const string BackupExists = nameof(BackupExists);
    public const string BackupPathNotWritable = nameof(BackupPathNotWritable);
    public const string BackupWriteFailed = nameof(BackupWriteFailed);

    // Export-MigrationReport.
    public const string ExportExists = nameof(ExportExists);
    public const string ExportPathNotWritable = nameof(ExportPathNotWritable);
    public const string ExportFormatUnknown = nameof(ExportFormatUnknown);

    // Sync-ProfileMigration and Complete-ProfileMigration.
    public const string TrackingNotInstalled = nameof(TrackingNotInstalled);
    public const string TrackingReset = nameof(TrackingReset);
    public const string AlreadyCompleted = nameof(AlreadyCompleted);
    public const string ArchiveExists = nameof(ArchiveExists);
    public const string ArchiveNameTaken = nameof(ArchiveNameTaken);
    public const string OldTableHasDependents = nameof(OldTableHasDependents);
    public const string MigrationNotFinished = nameof(MigrationNotFinished);
    public const string LastRunNotClean = nameof(LastRunNotClean);
    public const string IntegrityCheckFailed = nameof(IntegrityCheckFailed);
    public const string CutOverCheckFailed = nameof(CutOverCheckFailed);
    public const string CutOverSyncFailed = nameof(CutOverSyncFailed);
    public const string MigrationCompleted = nameof(MigrationCompleted);
    public const string NotCompleted = nameof(NotCompleted);
    public const string ArchiveNotFound = nameof(ArchiveNotFound);
    public const string ArchiveStillNeeded = nameof(ArchiveStillNeeded);
}
