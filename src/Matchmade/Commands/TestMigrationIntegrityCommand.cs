using System.Management.Automation;

namespace Matchmade.Commands;

/// <summary>
/// <para type="synopsis">Checks that the migrated data is complete and exactly what the rules compute from the old tables.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MigrationIntegrity")]
[OutputType(typeof(IntegrityCheck), typeof(bool))]
public sealed class TestMigrationIntegrityCommand : MatchmadeCommandBase
{
    /// <summary>Run only these checks (tab completion lists them).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(CheckNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Check { get; set; }

    /// <summary>Limit the reconciliation and nothing-lost checks to these users.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NoCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? UserId { get; set; }

    /// <summary>Return one [bool] for the whole call: true only when every check passed on every database; false when any failed or could not run.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly List<string> userIds = [];
    private int checksFailed;
    private int databasesChecked;

    private protected override void OnRecord()
    {
        if (UserId is not null)
        {
            userIds.AddRange(UserId);
        }
    }

    private protected override void ProcessDatabase()
    {
        var failed = 0;
        var skipped = new List<string>();
        var database = Engine.Target;
        foreach (var result in Engine.Verify(Check, userIds.Count > 0 ? userIds : null, Cancellation))
        {
            failed += result.Passed || result.Skipped ? 0 : 1;
            if (result.Skipped)
            {
                skipped.Add(result.Name);
            }

            if (!Quiet)
            {
                WriteObject(new IntegrityCheck
                {
                    Server = database.Server,
                    Database = database.Database,
                    Name = result.Name,
                    Passed = result.Passed,
                    Skipped = result.Skipped,
                    Severity = result.Severity.ToString(),
                    Observed = result.Observed,
                    Expected = result.Expected,
                    Detail = result.Detail,
                    SampleIds = new ValueList([.. result.SampleIds]),
                });
            }
        }

        // A check that could not run is not a pass: -Quiet counts it as failed.
        checksFailed += failed + skipped.Count;
        databasesChecked++;
        if (!Quiet && failed > 0)
        {
            WriteWarning($"{failed} integrity check(s) failed on {database.Display}; see their Detail and SampleIds.");
        }

        if (!Quiet && skipped.Count > 0)
        {
            WriteWarning($"{string.Join(", ", skipped)} could not run on {database.Display} (not passed); see their Detail.");
        }
    }

    // A gate never passes because a check could not run: a database that failed (its error is written) makes it false.
    private protected override void OnEnd()
    {
        if (Quiet)
        {
            WriteObject(checksFailed == 0 && DatabasesFailed == 0 && databasesChecked > 0);
        }
    }
}
