using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using Matchmade.Fixtures;
using Matchmade.Tests.Hosting;
using Matchmade.Tests.Shared;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Tests;

/// <summary>Export-MigrationReport through the engine, on the report of a real run.</summary>
public sealed partial class ExportMigrationReportTests : IDisposable
{
    private const string ExportCmdlet = "Matchmade.Commands.ExportMigrationReportCommand";
    private readonly string reports = Directory.CreateTempSubdirectory("mm-ps-export-").FullName;
    private readonly DatabaseFixture db = DatabaseFixture.CreateFresh("ps_export");

    public ExportMigrationReportTests()
    {
        using var c = db.Open();
        Exec(c, PrismaMigrationsTable);
        SampleData.LoadQaUsers(c);
        SampleData.LoadSynthetic(c, 300, seed: 18);
    }

    public void Dispose()
    {
        db.Dispose();
        Directory.Delete(reports, recursive: true);
    }

    [Fact]
    public void A_piped_run_becomes_a_page_whose_figures_are_the_runs()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        var checks = session.Run("Test-MigrationIntegrity -ConnectionString $args[0]", db.Url).ThrowOnError().Output;
        var page = Path.Combine(reports, "page.html");
        var export = session.Run("$args[0] | Export-MigrationReport -Path $args[1] -IntegrityCheck $args[2]", run, page, checks).ThrowOnError().Output.Single();

        Assert.Equal("Matchmade.ReportExport", export.BaseObject.GetType().FullName);
        Assert.Equal(page, export.Properties["Path"].Value);
        Assert.Equal("Html", export.Properties["Format"].Value.ToString());
        Assert.Equal(new FileInfo(page).Length, export.Properties["Bytes"].Value);
        Assert.Equal(run.Properties["ReportPath"].Value, export.Properties["ReportPath"].Value);
        var findings = session.Run("@(Get-MigrationReport -Path $args[0] -Kind Conflict, UnmappedField, InvalidValue, Error).Count", run.Properties["ReportPath"].Value).ThrowOnError().Output.Single();
        Assert.Equal(Convert.ToInt64(findings.BaseObject, CultureInfo.InvariantCulture), export.Properties["Findings"].Value);

        var html = File.ReadAllText(page);
        var figures = Figure().Matches(html).ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        foreach (var name in new[] { "UsersTotal", "UsersMigrated", "UsersSkipped", "UsersFailed", "ContextIntentsWritten", "Conflicts", "UnmappedFields", "InvalidValues", "Errors" })
        {
            Assert.Equal(run.Properties[name].Value, figures[char.ToLowerInvariant(name[0]) + name[1..]]);
        }

        Assert.True(figures["conflicts"] > 0 && figures["unmappedKeys"] > 0, "the sample data has conflicts and unmapped keys");

        // Contexts per type: the bars are the ContextIntent rows the run wrote, type by type, as the database has them.
        using (var c = db.Open())
        {
            var written = Scalar<string>(c, "SELECT string_agg(t || ':' || n, ',' ORDER BY t) FROM (SELECT \"contextType\"::text t, count(*) n FROM \"ContextIntent\" GROUP BY 1) x");
            var bars = ContextBar().Matches(Regex.Match(html, "<svg[^>]*id=\"chart-contexts\".*?</svg>", RegexOptions.Singleline).Value)
                .Where(m => m.Groups[2].Value != "0").Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}").Order(StringComparer.Ordinal);
            Assert.Equal(written, string.Join(',', bars));
        }

        var summary = session.Run("Get-MigrationReport -Path $args[0] -Kind Summary", run.Properties["ReportPath"].Value).ThrowOnError().Output.Single();
        var byType = (IReadOnlyDictionary<string, long>)summary.Properties["ContextsByType"].Value;
        Assert.Equal(figures["contextIntentsWritten"], byType.Values.Sum());

        // Batch throughput: one dot per batch, their users the run's.
        var users = BatchUsers().Matches(html).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(figures["usersMigrated"] + figures["usersFailed"], users);
        Assert.Equal(users, figures["batchUsers"]);
        Assert.Matches("data-verdict=\"integrity\" data-state=\"pass\"", html);
        Assert.Matches("data-verdict=\"nothing-lost\" data-state=\"pass\"", html);
        Assert.Contains("preferences", html, StringComparison.Ordinal); // a QA user's unmapped key
        Assert.DoesNotMatch("(?i)https?://", html);
    }

    /// <summary>Several reports piped to one -Path file: the second page must not replace the first, -Force or not; a folder takes each.</summary>
    [Fact]
    public void Several_reports_into_one_page_file_are_refused_after_the_first_and_a_folder_takes_them_all()
    {
        using var session = new PowerShellSession();
        var first = (string)session.Run("(Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf).ReportPath", db.Url, reports).ThrowOnError().Output.Single().BaseObject;
        var second = (string)session.Run("(Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf -MaxUsers 1).ReportPath", db.Url, reports).ThrowOnError().Output.Single().BaseObject;
        var page = Path.Combine(reports, "both.md");

        var both = session.Run("$args[0], $args[1] | ForEach-Object { [pscustomobject]@{ ReportPath = $_ } } | Export-MigrationReport -Path $args[2] -Force", first, second, page);
        Assert.True(both.Output.Count == 1, string.Join(" / ", both.AllErrors.Select(e => e.FullyQualifiedErrorId + ": " + e.Exception.Message)));
        Assert.Equal(first, (string)Assert.Single(both.Output).Properties["ReportPath"].Value);
        var error = Assert.Single(both.AllErrors);
        Assert.Equal($"ExportExists,{ExportCmdlet}", error.FullyQualifiedErrorId);
        Assert.Contains("pass a folder as -Path", error.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(session.Run("(Export-MigrationReport -ReportPath $args[0] -Path $args[1]).Path", first, Path.Combine(reports, "first-alone.md")).ThrowOnError().Output.Single().ToString()), File.ReadAllText(page));

        var folder = Directory.CreateDirectory(Path.Combine(reports, "pages")).FullName;
        var pages = session.Run("$args[0], $args[1] | ForEach-Object { [pscustomobject]@{ ReportPath = $_ } } | Export-MigrationReport -Path $args[2] -Format Markdown", first, second, folder).ThrowOnError().Output;
        Assert.Equal(2, pages.Select(p => (string)p.Properties["Path"].Value).Distinct().Count(File.Exists));
    }

    [Fact]
    public void An_existing_page_is_refused_without_Force_and_WhatIf_writes_nothing()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf", db.Url, reports).ThrowOnError().Output.Single();
        var report = (string)run.Properties["ReportPath"].Value;
        var page = Path.Combine(reports, "ticket.md");

        session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1] -WhatIf", report, page).ThrowOnError();
        Assert.False(File.Exists(page));

        // Any object with a ReportPath binds by property name (a SyncResult, a hand-made object).
        var first = session.Run("[pscustomobject]@{ ReportPath = $args[0] } | Export-MigrationReport -Path $args[1]", report, page).ThrowOnError().Output.Single();
        Assert.Equal("Markdown", first.Properties["Format"].Value.ToString());
        var markdown = File.ReadAllText(page);
        Assert.StartsWith("# Migration report", markdown, StringComparison.Ordinal);
        Assert.Contains("| Zero data loss | PASS |", markdown, StringComparison.Ordinal);

        var refused = session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1]", report, page);
        var error = Assert.Single(refused.AllErrors);
        Assert.Equal($"ExportExists,{ExportCmdlet}", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(markdown, File.ReadAllText(page));
        File.WriteAllText(page, "old");
        session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1] -Force -RedactValues", report, page).ThrowOnError();
        Assert.Contains("\\[redacted\\]", File.ReadAllText(page), StringComparison.Ordinal);

        // -Path naming the report itself is refused, -Force or not: the page would replace the report.
        var reportBytes = File.ReadAllBytes(report);
        var itself = session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[0] -Format Html -Force", report);
        Assert.Equal($"ExportExists,{ExportCmdlet}", Assert.Single(itself.AllErrors).FullyQualifiedErrorId);
        Assert.Equal(reportBytes, File.ReadAllBytes(report));

        var unknown = session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1]", report, Path.Combine(reports, "page.txt"));
        Assert.Equal($"ExportFormatUnknown,{ExportCmdlet}", Assert.Single(unknown.AllErrors).FullyQualifiedErrorId);
        var forced = session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1] -Format Html", report, Path.Combine(reports, "page.txt")).ThrowOnError().Output.Single();
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText((string)forced.Properties["Path"].Value), StringComparison.Ordinal);
    }

    [Fact]
    public void Latest_writes_the_page_into_a_folder_with_the_reports_name()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        var pages = Directory.CreateDirectory(Path.Combine(reports, "pages")).FullName;
        var export = session.Run("Export-MigrationReport -ConnectionString $args[0] -Latest -Path $args[1]", db.Url, pages).ThrowOnError().Output.Single();
        var expected = Path.Combine(pages, Path.GetFileNameWithoutExtension((string)run.Properties["ReportPath"].Value) + ".html");
        Assert.Equal(expected, export.Properties["Path"].Value);
        Assert.True(File.Exists(expected));

        // Without -Path: beside the report.
        var beside = session.Run("Export-MigrationReport -ReportPath $args[0] -Format Markdown", run.Properties["ReportPath"].Value).ThrowOnError().Output.Single();
        Assert.Equal(Path.ChangeExtension((string)run.Properties["ReportPath"].Value, ".md"), beside.Properties["Path"].Value);
    }

    [Fact]
    public void Latest_after_the_completion_exports_the_last_migration_run_and_the_completion_has_no_report()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        var done = session.Run("Complete-ProfileMigration -ConnectionString $args[0] -Confirm:$false", db.Url).ThrowOnError().Output.Single();
        Assert.Equal("Completed", done.Properties["Status"].Value);
        var pages = Directory.CreateDirectory(Path.Combine(reports, "pages")).FullName;

        // The completion is the latest run of the history, but it writes no report: -Latest exports the migration's.
        var export = session.Run("Export-MigrationReport -ConnectionString $args[0] -Latest -Path $args[1]", db.Url, pages).ThrowOnError().Output.Single();
        Assert.Equal(run.Properties["ReportPath"].Value, export.Properties["ReportPath"].Value);
        Assert.Equal([(string)export.Properties["Path"].Value], Directory.GetFiles(pages));

        // Named by -RunId, the completion is refused: no report is made up for it.
        var refused = session.Run("Export-MigrationReport -ConnectionString $args[0] -RunId $args[1] -Path $args[2]", db.Url, done.Properties["RunId"].Value, pages);
        var error = Assert.Single(refused.AllErrors);
        Assert.Equal($"ReportNotFound,{ExportCmdlet}", error.FullyQualifiedErrorId);
        Assert.Contains("Complete-ProfileMigration", error.Exception.Message, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(pages));
    }

    [Fact]
    public void A_page_in_a_missing_folder_is_refused_before_anything_is_written()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false", db.Url, reports).ThrowOnError().Output.Single();
        var missing = Path.Combine(reports, "pages");
        string[] targets = [missing + Path.DirectorySeparatorChar, Path.Combine(missing, "page.html")];
        foreach (var target in targets)
        {
            var refused = session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1]", run.Properties["ReportPath"].Value, target);
            Assert.Equal($"ExportPathNotWritable,{ExportCmdlet}", Assert.Single(refused.AllErrors).FullyQualifiedErrorId);
        }

        // A run that wrote no report file (killed): its report is rebuilt only once the page has a folder to go to.
        using (var c = db.Open())
        {
            Exec(c, "UPDATE matchmade.run SET report_path = NULL, status = 'Interrupted'");
        }

        var before = Directory.GetFileSystemEntries(reports);
        foreach (var target in targets)
        {
            var refused = session.Run("Export-MigrationReport -ConnectionString $args[0] -RunId $args[1] -Path $args[2]", db.Url, run.Properties["RunId"].Value, target);
            Assert.Equal($"ExportPathNotWritable,{ExportCmdlet}", Assert.Single(refused.AllErrors).FullyQualifiedErrorId);
            Assert.Equal(before, Directory.GetFileSystemEntries(reports));
        }

        Directory.CreateDirectory(missing);
        var export = session.Run("Export-MigrationReport -ConnectionString $args[0] -RunId $args[1] -Path $args[2]", db.Url, run.Properties["RunId"].Value, targets[0]).ThrowOnError().Output.Single();
        Assert.Equal(missing, Path.GetDirectoryName((string)export.Properties["Path"].Value));
        Assert.Equal(missing, Path.GetDirectoryName((string)export.Properties["ReportPath"].Value));
    }

    [BrowserFact]
    public void The_page_of_a_real_run_renders_in_a_real_browser()
    {
        using var session = new PowerShellSession();
        var page = Path.Combine(reports, "page.html");
        session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -Confirm:$false | Export-MigrationReport -Path $args[2]", db.Url, reports, page).ThrowOnError();
        var (width, height, rows) = Browser.DecodePng(Browser.Screenshot(page, 1280, 4000));
        Assert.Equal((1280, 4000), (width, height));
        var (first, last, ink) = Browser.Content(rows);
        Assert.InRange(first, 0, 100);
        Assert.InRange(last, 2000, height - 1);
        Assert.InRange(ink, 0.01, 0.5);
    }

    [Fact]
    public void An_older_report_without_contexts_per_type_or_batches_reads_and_exports_as_not_recorded()
    {
        // The example of docs/report-schema.md before these fields: what a report of an earlier module version holds.
        var report = Path.Combine(reports, "migration-report-2026-11-24.json");
        File.WriteAllText(report, """
            {"schemaVersion":1,"kind":"matchmade.migration-report","run":{"runId":"0b5e3c1a-7d2f-4e61-9a0c-5f2d8e4b7a19","mode":"Live","status":"Completed","moduleVersion":"0.1.0","rulesFingerprint":"9c1e","startedAt":"2026-11-24T16:20:22.1+00:00","finishedAt":"2026-11-24T16:21:52.4+00:00","server":"db.internal:5432","database":"app","schema":"public","userName":"dba","parameters":{"batchSize":"5000"},"message":null},"counts":{"usersTotal":4,"usersMigrated":3,"usersSkipped":0,"usersFailed":1,"profilesWritten":3,"contextIntentsWritten":7,"conflicts":0,"unmappedFields":0,"unmappedKeys":0,"invalidValues":0,"errors":1},
            "conflicts":[],
            "unmappedFields":[],
            "invalidValues":[],
            "errors":[
            {"userId":"u4","errorId":"UserWriteFailed","reason":"duplicate key value violates unique constraint (SQLSTATE 23505)"}
            ]
            }
            """);
        using var session = new PowerShellSession();
        var summary = session.Run("Get-MigrationReport -Path $args[0] -Kind Summary", report).ThrowOnError().Output.Single();
        Assert.Null(summary.Properties["ContextsByType"].Value);
        Assert.Equal(7L, summary.Properties["ContextIntentsWritten"].Value);

        session.Run("Export-MigrationReport -ReportPath $args[0] -Path $args[1]", report, Path.Combine(reports, "old.html")).ThrowOnError();
        var html = File.ReadAllText(Path.Combine(reports, "old.html"));
        Assert.Contains("id=\"contexts-not-recorded\">Not recorded", html, StringComparison.Ordinal);
        Assert.Contains("id=\"throughput-not-recorded\">Not recorded", html, StringComparison.Ordinal);
        Assert.Matches("data-figure=\"contextIntentsWritten\" data-value=\"7\"", html);
    }

    [Fact]
    public void A_report_path_on_a_missing_drive_or_outside_the_file_system_is_its_own_error_and_the_others_are_read()
    {
        using var session = new PowerShellSession();
        var run = session.Run("Invoke-ProfileMigration -ConnectionString $args[0] -ReportPath $args[1] -WhatIf", db.Url, reports).ThrowOnError().Output.Single();
        var report = (string)run.Properties["ReportPath"].Value;
        var read = session.Run("Get-MigrationReport -Path $args[0], 'NoSuchDrive:/migration-report.json', 'Env:/HOME', $args[0] -Kind Summary", report);
        Assert.Equal([report, report], read.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.Equal(["ReportNotFound,Matchmade.Commands.GetMigrationReportCommand", "ReportNotFound,Matchmade.Commands.GetMigrationReportCommand"], read.AllErrors.Select(e => e.FullyQualifiedErrorId));
        Assert.Equal(ErrorCategory.ObjectNotFound, read.AllErrors[0].CategoryInfo.Category);

        var export = session.Run("'NoSuchDrive:/migration-report.json', $args[0] | ForEach-Object { [pscustomobject]@{ ReportPath = $_ } } | Export-MigrationReport -Format Markdown", report);
        Assert.Equal($"ReportNotFound,{ExportCmdlet}", Assert.Single(export.AllErrors).FullyQualifiedErrorId);
        Assert.Equal(Path.ChangeExtension(report, ".md"), export.Output.Single().Properties["Path"].Value);
    }

    [GeneratedRegex("data-figure=\"(\\w+)\" data-value=\"(\\d+)\"")]
    private static partial Regex Figure();

    [GeneratedRegex("data-bar=\"(\\w+)\" data-value=\"(\\d+)\"")]
    private static partial Regex ContextBar();

    [GeneratedRegex("data-users=\"(\\d+)\"")]
    private static partial Regex BatchUsers();
}
