using System.Collections.Concurrent;
using System.Text;
using Npgsql;

namespace Matchmade.Core.Sql;

/// <summary>
/// The core's SQL lives in embedded <c>.sql</c> files. Schema names are the only thing spliced in: <c>{app}</c> is the
/// application's schema and <c>{state}</c> the module's own, both quoted by Npgsql. Every value is a parameter.
/// </summary>
public static class SqlText
{
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);
    private static readonly NpgsqlCommandBuilder Quoter = new();

    /// <summary>The embedded file byte for byte (e.g. migration.sql, whose checksum Prisma records).</summary>
    public static byte[] RawBytes(string fileName)
    {
        using var stream = Open(fileName);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    public static string Raw(string fileName) => Cache.GetOrAdd(fileName, static name =>
    {
        using var reader = new StreamReader(Open(name));
        return reader.ReadToEnd();
    });

    /// <summary>The file with its schema placeholders filled in.</summary>
    public static string For(string fileName, SchemaNames names) => Schemas(Raw(fileName), names);

    /// <summary>
    /// The file with one more quoted identifier filled in (e.g. {table}) before the schemas, so a schema's name can
    /// never be mistaken for a placeholder.
    /// </summary>
    public static string For(string fileName, SchemaNames names, string placeholder, string identifier) =>
        Schemas(Raw(fileName).Replace(placeholder, Quote(identifier), StringComparison.Ordinal), names);

    /// <summary>
    /// The file with fragments filled in before the schemas. A fragment is made of the schema placeholders and quoted
    /// identifiers only (a table such as <c>{app}."ProfileNew"</c>), never of a value or a name from outside.
    /// </summary>
    public static string For(string fileName, SchemaNames names, IEnumerable<(string Placeholder, string Fragment)> fragments) =>
        Fill(Raw(fileName), names, fragments);

    /// <summary>
    /// The file's statements, each filled in as <see cref="For(string, SchemaNames, IEnumerable{ValueTuple{string, string}})"/>:
    /// split at each ';' that ends a line of the file itself (comment lines aside), before anything is filled in, so no
    /// name can split a statement; a comment goes with the statement after it. For files run a statement at a time
    /// (<c>Db.ExecuteEach</c>); none has such a ';' inside a string or a function body.
    /// </summary>
    public static string[] StatementsFor(string fileName, SchemaNames names, IEnumerable<(string Placeholder, string Fragment)>? fragments = null)
    {
        var statements = new List<string>();
        var statement = new StringBuilder();
        var open = false; // a line of SQL since the last statement ended
        foreach (var line in Raw(fileName).Split('\n'))
        {
            statement.Append(line).Append('\n');
            var code = line.Trim().Length > 0 && !line.TrimStart().StartsWith("--", StringComparison.Ordinal);
            open |= code;
            if (code && line.TrimEnd().EndsWith(';'))
            {
                statements.Add(Fill(statement.ToString(), names, fragments ?? []));
                statement.Clear();
                open = false;
            }
        }

        return open
            ? throw new InvalidOperationException($"Embedded SQL '{fileName}' ends with a statement that has no ';' at the end of its line.")
            : [.. statements];
    }

    /// <summary>Quotes one identifier with Npgsql's own rules (always quoted, embedded quotes doubled).</summary>
    public static string Quote(string identifier) => Quoter.QuoteIdentifier(identifier);

    private static string Fill(string text, SchemaNames names, IEnumerable<(string Placeholder, string Fragment)> fragments) =>
        Schemas(fragments.Aggregate(text, (filled, f) => filled.Replace(f.Placeholder, f.Fragment, StringComparison.Ordinal)), names);

    private static string Schemas(string text, SchemaNames names) =>
        text.Replace("{app}", names.AppQuoted, StringComparison.Ordinal)
            .Replace("{state}", names.StateQuoted, StringComparison.Ordinal);

    private static Stream Open(string fileName) =>
        typeof(SqlText).Assembly.GetManifestResourceStream(fileName)
        ?? throw new InvalidOperationException($"Embedded SQL '{fileName}' is missing from {typeof(SqlText).Assembly.GetName().Name}.");
}

/// <summary>The two schemas the module works with: the app's (Prisma's tables) and its own (run history, state).</summary>
public sealed record SchemaNames(string App, string State)
{
    public string AppQuoted { get; } = SqlText.Quote(App);
    public string StateQuoted { get; } = SqlText.Quote(State);
}
