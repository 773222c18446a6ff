using System.Diagnostics;
using System.Globalization;
using Matchmade.Core.Merge;
using Matchmade.Core.Reporting;
using Matchmade.Core.Reporting.Export;
using Xunit.Abstractions;

namespace Matchmade.Core.Tests.Reporting;

/// <summary>A million findings go out to disk and come back in without the process growing with them.</summary>
[Collection(nameof(MemoryMeasuringCollection))]
public sealed class ReportScaleTests(ITestOutputHelper output) : ReportFiles
{
    private const long Limit = 100L * 1024 * 1024;

    [Fact]
    public void A_million_findings_stream_out_and_back_in_with_flat_memory()
    {
        const int count = 1_000_000; // 200,000 each: conflicts, unmapped blobs of 2 keys (400,000 keys), invalid values, errors
        var memory = new MemoryProbe();
        var watch = Stopwatch.StartNew();
        string path;
        using (var writer = ReportWriter.Create(Dir, Start))
        {
            for (var i = 0; i < count; i++)
            {
                var user = "c" + (i / 5).ToString("D24", CultureInfo.InvariantCulture);
                switch (i % 5)
                {
                    case 0:
                        writer.Add(new Conflict(user, "location", [new(ContextType.Romantic, "\"San Francisco\""), new(ContextType.Friendship, "\"New York\"")], "\"San Francisco\""));
                        break;
                    case 1:
                        writer.Add(new UnmappedField(user, ContextType.Romantic, "intent", "\"long-term\""));
                        break;
                    case 2:
                        writer.Add(new UnmappedField(user, ContextType.Romantic, "preferences", "[\"hiking\",\"jazz\",12345678901234567890123]"));
                        break;
                    case 3:
                        writer.Add(new InvalidValue(user, ContextType.Professional, "coreValues", "\"honesty\"", "expected array, found string"));
                        break;
                    default:
                        writer.AddError(new RunError(user, "UserWriteFailed", "duplicate key value violates unique constraint (SQLSTATE 23505)"));
                        break;
                }

                if (i % 50_000 == 0)
                {
                    memory.Sample();
                }
            }

            Assert.Equal((200_000L, 200_000L, 400_000L, 200_000L, 200_000L), (writer.Conflicts, writer.UnmappedEntries, writer.UnmappedKeys, writer.InvalidValues, writer.Errors));
            path = writer.Complete(Run(), Counts(writer));
        }

        var written = watch.Elapsed;
        memory.Sample();
        watch.Restart();
        long read = 0, unmappedKeys = 0;
        foreach (var entry in ReportReader.ReadEntries(path))
        {
            read++;
            unmappedKeys += entry is UnmappedEntry ? 1 : 0;
            if (read % 50_000 == 0)
            {
                memory.Sample();
            }
        }

        var readAll = watch.Elapsed;
        watch.Restart();
        var errors = ReportReader.ReadEntries(path, ReportEntryKind.Error).LongCount();
        var readErrors = watch.Elapsed;
        memory.Sample();

        Assert.Equal(1_000_000, read);
        Assert.Equal(400_000, unmappedKeys);
        Assert.Equal(200_000, errors);
        var size = new FileInfo(path).Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count:N0} findings, report {size / 1024.0 / 1024.0:N1} MB: write {written.TotalSeconds:N2} s, read all {readAll.TotalSeconds:N2} s, read errors only {readErrors.TotalSeconds:N2} s"));
        output.WriteLine(memory.Describe());
        Assert.True(memory.ManagedGrowth < Limit, memory.Describe());
        Assert.True(memory.WorkingSetGrowth < Limit, memory.Describe());
        Assert.True(memory.PeakWorkingSetGrowth < Limit, memory.Describe());
        Assert.True(written + readAll + readErrors < TimeSpan.FromSeconds(60), $"took {written + readAll + readErrors}");
    }

    [Fact]
    public void A_million_finding_report_exports_to_a_page_in_flat_memory()
    {
        // Conflict-heavy, with 50,000 distinct unmapped key names (beyond the 10,000 the page counts one by one).
        const int count = 1_000_000;
        string path;
        using (var writer = ReportWriter.Create(Dir, Start))
        {
            for (var i = 0; i < count; i++)
            {
                var user = "c" + (i / 4).ToString("D24", CultureInfo.InvariantCulture);
                switch (i % 10)
                {
                    case < 6:
                        writer.Add(new Conflict(user, Fields[i % 10], [new(ContextType.Romantic, $"\"city {i % 977}\""), new(ContextType.Friendship, $"\"town {i % 13}\"")], $"\"city {i % 977}\""));
                        break;
                    case < 9:
                        writer.Add(new UnmappedField(user, (ContextType)(i % 5), "key" + (i % 50_000).ToString(CultureInfo.InvariantCulture), $"[\"v{i}\",{i}]"));
                        break;
                    default:
                        writer.Add(new InvalidValue(user, ContextType.Professional, "coreValues", $"\"honesty {i}\"", "expected array, found string"));
                        break;
                }
            }

            path = writer.Complete(Run(), Counts(writer));
        }

        var page = Path.Combine(Dir, "page.html");
        var memory = new MemoryProbe();
        var gate = new object();
        using var sampler = new Timer(_ =>
        {
            lock (gate)
            {
                memory.Sample();
            }
        }, null, 0, 20);
        var outcome = ReportExporter.Export(path, page, ReportExportFormat.Html, new ExportOptions(), overwrite: false);
        sampler.Dispose();
        lock (gate)
        {
            memory.Sample();
        }

        Assert.Equal(count, outcome.Findings);
        var html = File.ReadAllText(page);
        Assert.Contains("data-figure=\"conflicts\" data-value=\"600000\"", html, StringComparison.Ordinal);
        Assert.Contains("counted together", html, StringComparison.Ordinal); // the keys beyond the first 10,000
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"report {new FileInfo(path).Length / 1024.0 / 1024.0:N1} MB, {count:N0} findings -> page {outcome.Bytes / 1024.0:N0} KB in {outcome.Elapsed.TotalSeconds:N2} s"));
        output.WriteLine(memory.Describe());
        Assert.True(memory.ManagedGrowth < Limit, memory.Describe());
        Assert.True(memory.WorkingSetGrowth < Limit, memory.Describe());
        Assert.True(outcome.Bytes < 5L * 1024 * 1024, $"page of {outcome.Bytes} bytes");
    }

    private static readonly string[] Fields = ["location", "ageRange", "name", "beliefs.religion", "lifestyle.diet", "interactionStyle.pace"];

    /// <summary>Managed heap (live objects) and process working set, against their values at the start.</summary>
    private sealed class MemoryProbe
    {
        private readonly long managedBefore, workingSetBefore, peakBefore;
        private long managedMax, workingSetMax;

        public MemoryProbe()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            managedBefore = managedMax = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            workingSetBefore = workingSetMax = process.WorkingSet64;
            peakBefore = process.PeakWorkingSet64;
        }

        public long ManagedGrowth => managedMax - managedBefore;

        public long WorkingSetGrowth => workingSetMax - workingSetBefore;

        /// <summary>Peak over the process's life (0 where the platform does not report it): growth beyond the peak before the test.</summary>
        public long PeakWorkingSetGrowth
        {
            get
            {
                using var process = Process.GetCurrentProcess();
                return Math.Max(0, process.PeakWorkingSet64 - peakBefore);
            }
        }

        public void Sample()
        {
            managedMax = Math.Max(managedMax, GC.GetTotalMemory(forceFullCollection: false));
            workingSetMax = Math.Max(workingSetMax, Environment.WorkingSet);
        }

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"managed heap +{Mb(ManagedGrowth)} MB at most (from {Mb(managedBefore)}), working set +{Mb(WorkingSetGrowth)} MB at most (from {Mb(workingSetBefore)}), peak working set +{Mb(PeakWorkingSetGrowth)} MB");

        private static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("N1", CultureInfo.InvariantCulture);
    }
}

/// <summary>The managed heap is process-wide: tests that measure it (and the tests beside them) run with no other test at the same time.</summary>
[CollectionDefinition(nameof(MemoryMeasuringCollection), DisableParallelization = true)]
public sealed class MemoryMeasuringCollection;
