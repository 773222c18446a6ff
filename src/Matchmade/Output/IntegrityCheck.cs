namespace Matchmade;

/// <summary>Output of Test-MigrationIntegrity: one check's verdict.</summary>
public sealed class IntegrityCheck
{
    /// <summary>host:port of the database checked.</summary>
    public string Server { get; init; } = "";

    /// <summary>The database checked (its name).</summary>
    public string Database { get; init; } = "";
    public string Name { get; init; } = "";
    public bool Passed { get; init; }

    /// <summary>The check could not run on this database (Detail says why; e.g. the reconciliation once the archive is removed): not passed.</summary>
    public bool Skipped { get; init; }

    /// <summary>Error (a failure means damage), Warning (worth a look) or Info.</summary>
    public string Severity { get; init; } = "";
    public string Observed { get; init; } = "";
    public string Expected { get; init; } = "";
    public string Detail { get; init; } = "";
    public ValueList SampleIds { get; init; } = ValueList.None;

    public override string ToString() => $"{Name}: {(Passed ? "passed" : Skipped ? "skipped" : "FAILED")} ({Observed}; expected {Expected})";
}
