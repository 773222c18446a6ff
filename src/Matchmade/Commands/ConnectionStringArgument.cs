using System.Collections;
using System.Data.Common;
using System.Management.Automation;

namespace Matchmade.Commands;

/// <summary>
/// -ConnectionString takes text: strings (and URIs, connection string builders), by value or by the ConnectionString,
/// DatabaseUrl or Url property of a piped object. Without this PowerShell's binder, having no better use for a piped
/// object, turns it into its ToString(): a finding or an Import-Csv row piped for its UserId became the "connection
/// string" and the call failed with InvalidConnectionString instead of using the default database. The refusal is an
/// invalid cast, which the pipeline binder takes as "does not fit" and passes over quietly; on the command line it is
/// the binding error.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConnectionStringArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        foreach (var item in Items(inputData))
        {
            if (item is not (null or string or Uri or DbConnectionStringBuilder))
            {
                var message = $"-ConnectionString takes connection strings or postgresql:// URLs, not a {item.GetType().FullName}. Pass the text (e.g. $x.ConnectionString), or pipe the object: it binds by its ConnectionString, DatabaseUrl or Url property.";
                throw new ArgumentTransformationMetadataException(message, new PSInvalidCastException(message));
            }
        }

        return inputData;
    }

    private static IEnumerable<object?> Items(object? value) => Unwrap(value) switch
    {
        string text => [text],
        IList many => many.Cast<object?>().Select(Unwrap),
        var one => [one],
    };

    private static object? Unwrap(object? value) => value is PSObject ps ? ps.BaseObject : value;
}
