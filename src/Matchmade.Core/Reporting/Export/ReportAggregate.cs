namespace Matchmade.Core.Reporting.Export;

/// <summary>Limits of an export; the defaults are documented in docs/help/Export-MigrationReport.md.</summary>
public sealed record ExportOptions
{
    /// <summary>Rows of each top table and bars of each chart (the rest are summed up as "and N more").</summary>
    public int TopN { get; init; } = 15;

    /// <summary>Findings of each kind listed one by one in the page's collapsible sections.</summary>
    public int ListCap { get; init; } = 1000;

    /// <summary>Distinct keys counted one by one per table (beyond: counted together).</summary>
    public int KeyCapacity { get; init; } = 10_000;

    /// <summary>Characters of a value shown (longer values are cut, with "…").</summary>
    public int ValueChars { get; init; } = 200;

    /// <summary>Show every value as [redacted] (user ids, fields, keys, reasons and error ids stay).</summary>
    public bool RedactValues { get; init; }

    /// <summary>Integrity result from Test-MigrationIntegrity, when the caller has one.</summary>
    public IntegritySummary? Integrity { get; init; }
}

/// <summary>
/// What Test-MigrationIntegrity said: how many checks it gave, the names of those that failed and of those it could not
/// run here (skipped: e.g. the reconciliation once the archive is removed; neither passed nor failed).
/// </summary>
public sealed record IntegritySummary(int Checks, IReadOnlyList<string> Failed, IReadOnlyList<string>? Skipped = null);

/// <summary>One finding listed in a full list (strings already shortened).</summary>
public sealed record FindingRow(string? UserId, string? ContextType, string? Field, string? Value, string? Detail);

/// <summary>
/// A report condensed for people: its header, what the arrays hold counted per field, key and type (bounded, see
/// <see cref="Tally"/>), and the first findings of each kind. Built in one streaming pass by <see cref="Build"/>.
/// </summary>
public sealed class ReportAggregate
{
    internal const string KeySeparator = "\u001f";

    private ReportAggregate(ReportHeader header, ExportOptions options)
    {
        Header = header;
        Options = options;
        Run = header.ToRunInfo();
        Counts = header.ToCounts();
        ConflictsByField = new Tally(options.KeyCapacity);
        UnmappedByKey = new Tally(options.KeyCapacity);
        InvalidByFieldAndType = new Tally(options.KeyCapacity);
        ErrorsById = new Tally(options.KeyCapacity);
    }

    public ReportHeader Header { get; }
    public ExportOptions Options { get; }
    public ReportRunInfo Run { get; }

    /// <summary>The counts the report's header states.</summary>
    public ReportCounts Counts { get; }

    public Tally ConflictsByField { get; }

    /// <summary>Per unmapped key: blobs (Count), users, one example value.</summary>
    public Tally UnmappedByKey { get; }

    /// <summary>Keys are field + <see cref="KeySeparator"/> + the JSON type found.</summary>
    public Tally InvalidByFieldAndType { get; }

    public Tally ErrorsById { get; }

    // What the arrays actually hold, counted while reading (the header's counts are checked against these).
    public long ConflictEntries { get; private set; }
    public long UnmappedEntries { get; private set; }
    public long UnmappedKeys { get; private set; }
    public long InvalidEntries { get; private set; }
    public long ErrorEntries { get; private set; }
    public long UserErrors { get; private set; }
    public long UsersWithConflicts { get; private set; }

    public List<FindingRow> Conflicts { get; } = [];
    public List<FindingRow> Unmapped { get; } = [];
    public List<FindingRow> Invalid { get; } = [];
    public List<FindingRow> Errors { get; } = [];

    public long Findings => ConflictEntries + UnmappedKeys + InvalidEntries + ErrorEntries;

    /// <summary>Reads the report once, front to back; memory is bounded by the options, not by the report.</summary>
    public static ReportAggregate Build(string reportPath, ExportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var aggregate = new ReportAggregate(ReportReader.ReadHeader(reportPath), options);
        string? lastConflictUser = null, lastBlobUser = null, lastBlobContext = null;
        var first = true;
        foreach (var entry in ReportReader.ReadEntries(reportPath))
        {
            if ((aggregate.Findings & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            switch (entry)
            {
                case ConflictEntry c:
                    if (aggregate.ConflictEntries == 0 || !string.Equals(lastConflictUser, c.UserId, StringComparison.Ordinal))
                    {
                        aggregate.UsersWithConflicts++;
                        lastConflictUser = c.UserId;
                    }

                    aggregate.AddConflict(c);
                    break;
                case UnmappedEntry u:
                    if (first || !string.Equals(lastBlobUser, u.UserId, StringComparison.Ordinal) || !string.Equals(lastBlobContext, u.ContextType, StringComparison.Ordinal))
                    {
                        aggregate.UnmappedEntries++;
                        (lastBlobUser, lastBlobContext, first) = (u.UserId, u.ContextType, false);
                    }

                    aggregate.AddUnmapped(u);
                    break;
                case InvalidValueEntry i:
                    aggregate.AddInvalid(i);
                    break;
                case ErrorEntry e:
                    aggregate.AddError(e);
                    break;
            }
        }

        return aggregate;
    }

    /// <summary>A value for the page: "[redacted]" when asked, else the JSON text cut to the configured length.</summary>
    public string? Shown(string? json) => json is null ? null : Options.RedactValues ? ReportFormat.RedactedValue : Cut(json, Options.ValueChars);

    internal static string Cut(string text, int chars) => text.Length <= chars ? text : string.Concat(text.AsSpan(0, chars), "…");

    private void AddConflict(ConflictEntry c)
    {
        ConflictEntries++;
        var field = c.Field ?? "(none)";
        ConflictsByField.Add(field, c.UserId, () => Shown(string.Join(" / ", c.Candidates.Select(v => $"{v.ContextType}: {v.Value}"))));
        if (Conflicts.Count < Options.ListCap)
        {
            var candidates = string.Join(" / ", c.Candidates.Select(v => $"{v.ContextType}: {Shown(v.Value)}"));
            Conflicts.Add(new FindingRow(c.UserId, null, field, Cut(candidates, Options.ValueChars * 2), Shown(c.Chosen)));
        }
    }

    private void AddUnmapped(UnmappedEntry u)
    {
        UnmappedKeys++;
        UnmappedByKey.Add(u.Field ?? "(none)", u.UserId, () => Shown(u.Value));
        if (Unmapped.Count < Options.ListCap)
        {
            Unmapped.Add(new FindingRow(u.UserId, u.ContextType, u.Field, Shown(u.Value), null));
        }
    }

    private void AddInvalid(InvalidValueEntry i)
    {
        InvalidEntries++;
        var field = i.Field ?? "(whole blob)";
        InvalidByFieldAndType.Add(field + KeySeparator + JsonType(i.Value, i.Reason), i.UserId, () => Shown(i.Value));
        if (Invalid.Count < Options.ListCap)
        {
            Invalid.Add(new FindingRow(i.UserId, i.ContextType, field, Shown(i.Value), i.Reason));
        }
    }

    private void AddError(ErrorEntry e)
    {
        ErrorEntries++;
        UserErrors += e.UserId is null ? 0 : 1;
        ErrorsById.Add(e.ErrorId ?? "(none)", e.UserId, () => null);
        if (Errors.Count < Options.ListCap)
        {
            Errors.Add(new FindingRow(e.UserId, null, e.ErrorId, null, Cut(e.Reason ?? string.Empty, Options.ValueChars * 2)));
        }
    }

    /// <summary>
    /// The JSON type of an invalid value, from its text; for a redacted report, from the reason ("expected array,
    /// found string"), which redaction keeps.
    /// </summary>
    internal static string JsonType(string? json, string? reason)
    {
        if (json is null)
        {
            return "absent";
        }

        if (json == "\"" + ReportFormat.RedactedValue + "\"")
        {
            var at = reason?.LastIndexOf("found ", StringComparison.Ordinal) ?? -1;
            return at >= 0 ? reason![(at + 6)..].Split(' ', ',', ';', ')')[0] : "redacted";
        }

        return json.TrimStart() switch
        {
            ['{', ..] => "object",
            ['[', ..] => "array",
            ['"', ..] => "string",
            ['t', ..] or ['f', ..] => "boolean",
            ['n', ..] => "null",
            _ => "number",
        };
    }
}
