using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Matchmade.Core.Verification;

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
    [ValidateNotNullOrEmpty]
    public string[]? UserId { get; set; }

    /// <summary>Return one [bool]: true when every check passed.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private readonly List<string> userIds = [];

    protected override void ProcessRecord()
    {
        if (UserId is not null)
        {
            userIds.AddRange(UserId);
        }
    }

    protected override void EndProcessing()
    {
        Invoke(() =>
        {
            var failed = 0;
            foreach (var result in Engine.Verify(Check, userIds.Count > 0 ? userIds : null, Cancellation))
            {
                failed += result.Passed ? 0 : 1;
                if (!Quiet)
                {
                    WriteObject(new IntegrityCheck
                    {
                        Name = result.Name,
                        Passed = result.Passed,
                        Severity = result.Severity.ToString(),
                        Observed = result.Observed,
                        Expected = result.Expected,
                        Detail = result.Detail,
                        SampleIds = [.. result.SampleIds],
                    });
                }
            }

            if (Quiet)
            {
                WriteObject(failed == 0);
            }
            else if (failed > 0)
            {
                WriteWarning($"{failed} integrity check(s) failed; see their Detail and SampleIds.");
            }
        });
        base.EndProcessing();
    }
}

/// <summary>Tab completion for -Check: the names of the integrity checks.</summary>
public sealed class CheckNameCompleter : IArgumentCompleter
{
    public IEnumerable<System.Management.Automation.CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Names().Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase)).Select(n => new System.Management.Automation.CompletionResult(n, n, CompletionResultType.ParameterValue, n));

    // In its own method so the core (private load context) is touched only when completing.
    private static IReadOnlyList<string> Names() => IntegrityChecks.Names;
}
