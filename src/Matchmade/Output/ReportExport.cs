namespace Matchmade;

/// <summary>The page formats of Export-MigrationReport.</summary>
public enum ExportFormat
{
    Html,
    Markdown,
}

/// <summary>Output of Export-MigrationReport: the page it wrote.</summary>
public sealed class ReportExport
{
    public string Path { get; init; } = "";

    /// <summary>Html or Markdown.</summary>
    public ExportFormat Format { get; init; }
    public long Bytes { get; init; }

    /// <summary>Findings read from the report (unmapped keys one by one, as Get-MigrationReport counts them).</summary>
    public long Findings { get; init; }
    public TimeSpan Elapsed { get; init; }
    public string ReportPath { get; init; } = "";

    public override string ToString() => $"{Path} ({Format}, {Bytes} bytes, {Findings} findings)";
}
