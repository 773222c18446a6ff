using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Matchmade.Core;
using Matchmade.Core.Connection;
using Matchmade.Core.Errors;

namespace Matchmade.Commands;

/// <summary>
/// Tab completion for -Schema: the schemas of the database the command line names (-ConnectionString and
/// -Credential as typed, else $env:DATABASE_URL), read from the server. Completes nothing when the server cannot be
/// reached: completion never throws at the user.
/// </summary>
public sealed class SchemaCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return Schemas(Bound<string>(fakeBoundParameters, "ConnectionString", "DatabaseUrl", "Url"), Bound<PSCredential>(fakeBoundParameters, "Credential"))
            .Where(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s, s, CompletionResultType.ParameterValue, s));
    }

    private static T? Bound<T>(IDictionary parameters, params string[] names)
        where T : class =>
        names.Select(n => parameters.Contains(n) ? parameters[n] : null).Select(v => (v as PSObject)?.BaseObject ?? v).OfType<T>().FirstOrDefault();

    // In its own method so the core (private load context) is touched only when completing.
    private static IReadOnlyList<string> Schemas(string? connectionString, PSCredential? credential)
    {
        var network = credential?.GetNetworkCredential();
        try
        {
            using var engine = MatchmadeEngine.Connect(
                new ConnectionRequest { ConnectionString = connectionString, UserName = string.IsNullOrEmpty(network?.UserName) ? null : network.UserName, Password = network?.Password },
                new SilentLog());
            return engine.AppSchemas(CancellationToken.None);
        }
        catch (MatchmadeException)
        {
            return [];
        }
    }

    private sealed class SilentLog : IOperationLog
    {
        public void Verbose(string message)
        {
        }

        public void Warning(string message)
        {
        }

        public void Progress(OperationProgress progress)
        {
        }
    }
}
