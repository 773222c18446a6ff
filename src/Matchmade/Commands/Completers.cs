using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Matchmade.Core.Connection;
using Matchmade.Core.Schema;
using Matchmade.Core.Verification;

namespace Matchmade.Commands;

/// <summary>Tab completion for -Check: the names of the integrity checks, except those already given.</summary>
public sealed class CheckNameCompleter : IArgumentCompleter
{
    public IEnumerable<System.Management.Automation.CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        var given = commandAst.FindAll(a => a is StringConstantExpressionAst, searchNestedScriptBlocks: false)
            .Select(a => ((StringConstantExpressionAst)a).Value)
            .Where(v => !string.Equals(v, word, StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        return Names()
            .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase) && !given.Contains(n))
            .Select(n => new System.Management.Automation.CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }

    // In its own method so the core (private load context) is touched only when completing.
    private static IReadOnlyList<string> Names() => IntegrityChecks.Names;
}

/// <summary>
/// Tab completion for -Schema: the schemas of the database the command line names (-ConnectionString, else
/// $env:DATABASE_URL), those with the app's tables first. Nothing when the server cannot be asked within 3 seconds.
/// </summary>
public sealed class SchemaNameCompleter : IArgumentCompleter
{
    public IEnumerable<System.Management.Automation.CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        IReadOnlyList<string> names;
        try
        {
            names = Schemas(ConnectionString(fakeBoundParameters));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return []; // completion never fails the command line; the command itself will say what is wrong
        }

        return names
            .Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(n => new System.Management.Automation.CompletionResult(n.All(c => char.IsLetterOrDigit(c) || c == '_') ? n : $"'{CodeGeneration.EscapeSingleQuotedStringContent(n)}'", n, CompletionResultType.ParameterValue, n));
    }

    private static string? ConnectionString(IDictionary fakeBoundParameters)
    {
        var value = fakeBoundParameters.Contains("ConnectionString") ? fakeBoundParameters["ConnectionString"] : null;
        value = value is PSObject ps ? ps.BaseObject : value;
        return value switch
        {
            string text => text,
            IEnumerable many => many.Cast<object>().Select(o => (o is PSObject p ? p.BaseObject : o) as string).FirstOrDefault(s => s is not null),
            _ => null,
        };
    }

    private static IReadOnlyList<string> Schemas(string? connectionString) =>
        SchemaInspector.SchemaNames(new ConnectionRequest { ConnectionString = connectionString }, TimeSpan.FromSeconds(3));
}

/// <summary>Tab completion for parameters whose values cannot be guessed (user ids): nothing, rather than file names.</summary>
public sealed class NoCompleter : IArgumentCompleter
{
    public IEnumerable<System.Management.Automation.CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters) => [];
}
