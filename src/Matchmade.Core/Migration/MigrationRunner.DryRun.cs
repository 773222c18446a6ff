using Matchmade.Core.Connection;
using Matchmade.Core.Errors;
using Matchmade.Core.Migration.Pipeline;
using Matchmade.Core.Reporting;
using Matchmade.Core.Schema;
using Npgsql;

namespace Matchmade.Core.Migration;

/// <summary>
/// The dry run (-WhatIf): the same pipeline over one READ ONLY snapshot, into the dry-run sink; nothing is written and
/// the server itself would refuse a write.
/// </summary>
public sealed partial class MigrationRunner
{
    private MigrationOutcome RunDry(ReportWriter report, CancellationToken stop)
    {
        PoolerGuard.EnsureSessionKept(target, "Invoke-ProfileMigration -WhatIf", stop); // the live run would be refused: say so now
        using var connection = target.Open(stop);
        NpgsqlTransaction transaction;
        Scope scope;
        SchemaStepOutcome schemaStep;
        try
        {
            // One snapshot for the whole dry run, and the server itself refuses any write.
            transaction = Db.BeginReadOnlySnapshot(connection);
            schemaStep = SchemaStep.Ensure(connection, target, dryRun: true, options.LockTimeout, log, transaction);
            scope = Scope.Count(connection, transaction, schemaStep == SchemaStepOutcome.AlreadyPresent, target, options, log);
            Db.ForBatchWork(connection, transaction); // after the count, which may use parallel workers: the batches do not
        }
        catch (Exception e)
        {
            throw DbErrors.During(e, "Preparing the dry run", target);
        }

        using (transaction)
        {
            var reader = new BatchReader(target.Schemas, schemaStep == SchemaStepOutcome.AlreadyPresent, options.UserIds, options.Force);
            var sink = new DryRunSink(counters, batch =>
            {
                report.AddAll(batch.Findings, batch.Errors);
                progress.Batch(scope.Cap, batch);
            });
            MatchmadeException? failure = null;
            try
            {
                new BatchPipeline<MergedBatch>(new MergingSource(reader, connection, transaction, null, new BatchBudget(options.BatchBytes), everyCore: true), sink) { BatchSize = options.BatchSize, Remaining = () => Remaining(scope) }.Run(stop);
            }
            catch (Exception e)
            {
                failure = DbErrors.During(e, "The dry run", target);
                report.AddError(new RunError(null, failure.ErrorId, failure.Message));
            }

            transaction.Rollback();
            return Finish(report, scope, StatusOf(failure, stop), schemaStep, failure);
        }
    }
}
