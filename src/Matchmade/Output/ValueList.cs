using System.Collections.ObjectModel;

namespace Matchmade;

/// <summary>
/// A list of strings that reads as its values wherever PowerShell turns it into one string: Export-Csv, string
/// expansion, Format-Table. A plain string[] becomes "System.String[]" in a CSV; this becomes "a; b". ConvertTo-Json
/// and the pipeline still see a list.
/// </summary>
public sealed class ValueList(IList<string> values) : ReadOnlyCollection<string>(values)
{
    public static ValueList None { get; } = new([]);

    public override string ToString() => string.Join("; ", this);
}
