using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Matchmade.Fixtures;
using static Matchmade.Tests.Shared.DbAssert;

namespace Matchmade.Pester.Tests;

/// <summary>
/// Real pwsh on a real console: a pseudo-terminal made by util-linux's <c>script</c>, typed into like a DBA types.
/// -Confirm answered N leaves the database untouched; Ctrl+C (the terminal's ^C, so SIGINT from the line discipline)
/// stops the run after the current batch: status Cancelled, only whole users, a complete report.
/// </summary>
public sealed class ConsoleTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("mm-console-").FullName;
    private readonly string database = SampleDatabases.Clone("console");

    public void Dispose()
    {
        TestServer.Shared.DropDatabase(database);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public void Confirm_answered_N_leaves_everything_untouched()
    {
        string before;
        using (var c = SampleDatabases.Open(database))
        {
            before = WholeDatabaseHash(c);
        }

        using var console = Start("Invoke-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath $PWD -Confirm; 'AFTER-PROMPT'");
        console.WaitFor("(default is \"Y\")");
        console.Type("N\r");
        Assert.Equal(0, console.WaitForExit());
        Assert.Contains("AFTER-PROMPT", console.Output, StringComparison.Ordinal);

        using var after = SampleDatabases.Open(database);
        Assert.Equal(before, WholeDatabaseHash(after));
        Assert.Empty(Directory.GetFiles(work, "*.json"));
    }

    [Fact]
    public void Ctrl_C_stops_after_the_current_batch_with_whole_users_and_a_complete_report()
    {
        // A canary makes the new tables; then a trigger slows every batch down (0.1 s) so that ^C lands mid-run.
        using var console = Start("""
            Invoke-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath (Join-Path $PWD canary) -MaxUsers 5 -Confirm:$false | Out-Null
            'CANARY-DONE'
            while (-not (Test-Path go)) { Start-Sleep -Milliseconds 50 }
            Invoke-ProfileMigration -ConnectionString $env:MATCHMADE_TEST_URL -ReportPath $PWD -BatchSize 5 -Confirm:$false -Verbose
            'NOT-STOPPED'
            """);
        Directory.CreateDirectory(Path.Combine(work, "canary"));
        console.WaitFor("CANARY-DONE");
        using (var c = SampleDatabases.Open(database))
        {
            Exec(c, """
                CREATE FUNCTION public.mm_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.1); RETURN NULL; END $$;
                CREATE TRIGGER mm_slow AFTER INSERT ON "ProfileNew" FOR EACH STATEMENT EXECUTE FUNCTION public.mm_slow();
                """);
        }

        File.WriteAllText(Path.Combine(work, "go"), string.Empty);
        console.WaitFor("Batch 3:");
        console.Interrupt();
        console.WaitForExit();
        Assert.DoesNotContain("NOT-STOPPED", console.Output, StringComparison.Ordinal);

        using var check = SampleDatabases.Open(database);
        Assert.Equal("Cancelled", Scalar<string>(check, "SELECT status FROM matchmade.run ORDER BY started_at DESC LIMIT 1"));
        var migrated = Scalar<long>(check, "SELECT count(*) FROM \"ProfileNew\"");
        Assert.InRange(migrated, 5 + 15, 900);
        Assert.Equal(0, migrated % 5);
        Assert.Equal(0, HalfMigratedRows(check));

        var report = Assert.Single(Directory.GetFiles(work, "*.json"));
        using var json = JsonDocument.Parse(File.ReadAllText(report)); // complete: it parses to the end
        Assert.Contains("\"status\":\"Cancelled\"", File.ReadAllText(report), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sandbox_shell_is_real_pwsh_on_the_console_with_the_module_and_DATABASE_URL()
    {
        using var console = Open(new ProcessStartInfo(Pwsh.DotnetHost) { ArgumentList = { SandboxDll(), "-Shell", "-Users", "10" } });
        console.WaitFor("exit leaves the shell");
        console.WaitFor("PS ");
        console.Type("'users left: ' + (Get-ProfileMigrationStatus).UsersNotMigrated\r");
        console.WaitFor("users left: 13");
        console.Type("exit\r");
        Assert.Equal(0, console.WaitForExit());
        Assert.Contains("pwsh 7.6.9", console.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sandbox_runs_a_command_with_the_cmdlets_a_DBA_pipes_into()
    {
        long users;
        using (var c = SampleDatabases.Open(database))
        {
            users = Scalar<long>(c, """SELECT count(*) FROM "User" """);
        }

        // No pwsh: the sandbox's own engine, against the database DATABASE_URL names. Select-Object, Sort-Object and
        // ConvertTo-Json come from Microsoft.PowerShell.Utility, Test-Path from Microsoft.PowerShell.Management.
        var info = new ProcessStartInfo(Pwsh.DotnetHost)
        {
            ArgumentList = { SandboxDll(), "-Command", "Get-ProfileMigrationStatus | Select-Object UsersNotMigrated | ConvertTo-Json -Compress; Get-Command -Module Matchmade | Sort-Object Name | Select-Object -First 1 -ExpandProperty Name; Test-Path -LiteralPath $PWD" },
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = work,
        };
        PwshRun.Apply(info, SampleDatabases.SuiteEnvironment(database));
        info.Environment["DATABASE_URL"] = SampleDatabases.Url(database);
        var result = PwshRun.Capture(info, TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Equal(["{\"UsersNotMigrated\":" + users + "}", "Complete-ProfileMigration", "True"], result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The sandbox's -Command exits as `pwsh -Command` does for a CI script: an explicit exit wins, else an error is 1.</summary>
    [Theory]
    [InlineData("'fine'", 0)]
    [InlineData("Write-Error 'boom'", 1)]
    [InlineData("Write-Error 'boom'; exit 0", 0)]
    [InlineData("exit 3", 3)]
    public void The_sandbox_command_exits_as_pwsh_does(string command, int expected)
    {
        var info = new ProcessStartInfo(Pwsh.DotnetHost)
        {
            ArgumentList = { SandboxDll(), "-Command", command },
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = work,
        };
        var result = PwshRun.Capture(info, TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == expected, $"exit {result.ExitCode}, expected {expected}:\n{result.All}");
    }

    [Fact]
    public void The_demo_shows_the_transition_the_app_writing_then_the_sync_then_integrity()
    {
        // README's first command as it is (its own throwaway cluster), with fewer users.
        var info = new ProcessStartInfo(Pwsh.DotnetHost)
        {
            ArgumentList = { SandboxDll(), "-Users", "200" },
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = work,
        };
        var result = PwshRun.Capture(info, TimeSpan.FromMinutes(3));

        Assert.True(result.ExitCode == 0, result.All);
        var output = result.Output;
        var transition = Section(output, "== 9.", "== 10.");
        var sync = Section(output, "== 10.", "== 11.");
        Assert.Matches(@"Migrated\s+Installed\s+[1-9]\d*\s", transition);        // pending changed users after the app's writes
        Assert.Matches(@"PendingChanges\s+False\s+Error\s+[1-9]\d* users pending", transition);
        Assert.Matches(@"Sync: [1-9]\d* users re-synced, [1-9]\d* created, [1-9]\d* deleted, 0 failed in 1 pass; 0 users pending\.", sync);
        foreach (var check in new[] { "PendingChanges", "Reconciliation", "NothingLost" })
        {
            Assert.Matches(check + @"\s+True\s", sync);
        }

        Assert.DoesNotMatch(@"\sFalse\s", sync);

        // The undo of the completion: tracking reset (the app was not tracked while completed) until the full sync.
        var undo = Section(output, "== 12.", "Reports: ");
        Assert.Matches(@"Migrated\s+Reset\s", undo);
        Assert.Matches(@"TrackingStatus\s+:\s+Installed", undo[undo.IndexOf("-Full", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void The_sandbox_without_the_server_binaries_says_what_to_do_without_a_stack_trace()
    {
        var info = new ProcessStartInfo(Pwsh.DotnetHost)
        {
            ArgumentList = { SandboxDll(), "-Users", "5" },
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = work,
        };
        info.Environment["MATCHMADE_PG_BIN"] = Path.Combine(work, "no-postgres-here");
        var result = PwshRun.Capture(info, TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 1, $"exit {result.ExitCode}:\n{result.All}");
        Assert.Contains("MATCHMADE_PG_BIN=", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public void Ctrl_C_in_the_sandbox_stops_and_removes_its_cluster()
    {
        // ^C reaches the terminal's whole foreground process group: the sandbox and the cluster's watchdog alike.
        using var console = Open(new ProcessStartInfo(Pwsh.DotnetHost) { ArgumentList = { SandboxDll(), "-Users", "50" } });
        console.WaitFor("synthetic users loaded");
        var port = int.Parse(System.Text.RegularExpressions.Regex.Match(console.Output, @"PostgreSQL on 127\.0\.0\.1:(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        console.Type("\x03");
        Assert.NotEqual(0, console.WaitForExit());
        Assert.True(WaitUntilClosed(port), $"the cluster on port {port} is still running after ^C:\n{console.Output}");
    }

    [Fact]
    public void Ctrl_C_in_the_sandbox_with_Keep_keeps_the_cluster_and_says_how_to_reach_and_remove_it()
    {
        using var console = Open(new ProcessStartInfo(Pwsh.DotnetHost) { ArgumentList = { SandboxDll(), "-Keep", "-Users", "50" } });
        console.WaitFor("synthetic users loaded");
        console.Type("\x03");
        console.WaitForExit();
        var output = console.Output.Replace("\r", string.Empty, StringComparison.Ordinal);
        var url = System.Text.RegularExpressions.Regex.Match(output, @"psql '([^']+)'").Groups[1].Value;
        var stop = System.Text.RegularExpressions.Regex.Match(output, @"Stop and remove it with:\n  (.+)\n").Groups[1].Value;
        Assert.True(url.Length > 0 && stop.Length > 0, "no way to reach the kept cluster was printed:\n" + output);
        try
        {
            using var c = new Npgsql.NpgsqlConnection(TestServer.ToConnectionString(url));
            c.Open();
            Assert.Equal(1, Scalar<int>(c, "SELECT 1"));
        }
        finally
        {
            var sh = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", stop }, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
            sh.WaitForExit();
            Assert.True(sh.ExitCode == 0, stop + ": " + sh.StandardError.ReadToEnd());
        }

        Assert.True(WaitUntilClosed(new Uri(url).Port), "the printed command did not stop the cluster: " + stop);
    }

    private static bool WaitUntilClosed(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                probe.Connect("127.0.0.1", port);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(250);
        }
    }

    private static string Section(string output, string from, string to)
    {
        var start = output.IndexOf(from, StringComparison.Ordinal);
        var end = output.IndexOf(to, start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"No section {from} in:\n{output}");
        return output[start..end];
    }

    /// <summary>The sandbox (README's first command) as built with these tests.</summary>
    private static string SandboxDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0
        return Path.Combine(PwshRun.RepoRoot, "tools", "Matchmade.Sandbox", "bin", configuration, "net10.0", "Matchmade.Sandbox.dll");
    }

    private Terminal Start(string script)
    {
        File.WriteAllText(Path.Combine(work, "console.ps1"), "$ErrorActionPreference = 'Stop'\nImport-Module -Name $env:MATCHMADE_MODULE\n" + script + "\n");
        return Open(Pwsh.StartInfo(["-File", Path.Combine(work, "console.ps1")], console: true));
    }

    /// <summary>Runs the command on a new pseudo-terminal (util-linux script), with the suites' environment.</summary>
    private Terminal Open(ProcessStartInfo pwsh)
    {
        var command = "stty cols 120 rows 40; exec " + string.Join(' ', new[] { pwsh.FileName }.Concat(pwsh.ArgumentList).Select(a => "'" + a + "'"));
        var info = new ProcessStartInfo("script") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = work };
        foreach (var argument in new[] { "-q", "-f", "-e", "-c", command, "/dev/null" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in pwsh.Environment)
        {
            info.Environment[name] = value;
        }

        PwshRun.Apply(info, SampleDatabases.SuiteEnvironment(database));
        info.Environment["TERM"] = "xterm";
        return new Terminal(Process.Start(info)!);
    }

    /// <summary>
    /// The terminal's other end: what pwsh printed, and keys typed into it. Like a terminal it answers every cursor
    /// position request (ESC[6n: pwsh's progress bar and prompt ask before they draw).
    /// </summary>
    private sealed class Terminal : IDisposable
    {
        private const string CursorRequest = "\x1b[6n";
        private readonly Process process;
        private readonly StringBuilder output = new();
        private int requestsAnswered;

        public Terminal(Process process)
        {
            this.process = process;
            // Raw characters, not lines: a prompt waits on an unfinished line.
            _ = Task.Run(() => Pump(process.StandardOutput));
            _ = Task.Run(() => Pump(process.StandardError));
        }

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        /// <summary>
        /// Ctrl+C as a DBA's terminal delivers it: not between a cursor position answer and pwsh reading it. ^C makes
        /// the line discipline flush the input it holds, answer included, and .NET then waits for that answer with no
        /// timeout (once a terminal has answered, its read blocks until a key arrives). A terminal answers within
        /// microseconds; this pipe-and-script terminal takes long enough for a test's ^C to land there now and then.
        /// </summary>
        public void Interrupt()
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (true)
            {
                lock (process)
                {
                    // The pump answers under the same lock, so no answer is written while this looks. An answer pwsh
                    // has read is followed by what it drew next; an answer not yet read is followed by nothing.
                    var text = Output;
                    var request = text.LastIndexOf(CursorRequest, StringComparison.Ordinal);
                    if (request < 0 || request + CursorRequest.Length < text.Length)
                    {
                        Type("\x03");
                        return;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "pwsh kept waiting for a cursor position answer:\n" + Output);
                Thread.Sleep(5);
            }
        }

        public void WaitFor(string text)
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, $"'{text}' did not appear on the console:\n{Output}");
                Thread.Sleep(50);
            }
        }

        public void Type(string keys)
        {
            lock (process)
            {
                process.StandardInput.Write(keys);
                process.StandardInput.Flush();
            }
        }

        public int WaitForExit()
        {
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "pwsh did not exit:\n" + Output);
            process.WaitForExit();
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        private void Pump(StreamReader reader)
        {
            var buffer = new char[4096];
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                int requests;
                lock (output)
                {
                    output.Append(buffer, 0, read);
                    requests = Count(output.ToString(), CursorRequest); // a request may be split over two reads
                }

                lock (process)
                {
                    for (; requestsAnswered < requests; requestsAnswered++)
                    {
                        Type("\x1b[1;1R");
                    }
                }
            }
        }

        private static int Count(string text, string what)
        {
            var count = 0;
            for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }
    }
}
