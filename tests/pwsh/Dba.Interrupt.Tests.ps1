# Ctrl+C in a real console (issue 16, item 3): the run stops after its batch and says so, instead of a bare prompt.
# The console is a pwsh process of its own; SIGINT is what the terminal sends on Ctrl+C.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

Describe 'Ctrl+C' -Skip:$IsWindows {
    BeforeAll {
        $script:url = New-TestDatabase -Prefix 'ctrlc'
    }

    AfterAll {
        Remove-TestDatabase -Url $script:url
    }

    It 'warns with the batch reached, the users done and the report''s path' {
        $reports = Join-Path $TestDrive 'reports'
        New-Item -ItemType Directory -Path $reports | Out-Null
        $script = Join-Path $TestDrive 'run.ps1'
        Set-Content -Path $script -Value @"
Import-Module '$env:MATCHMADE_MODULE'
Invoke-ProfileMigration -ConnectionString '$script:url' -BatchSize 1 -ReportPath '$reports' -Confirm:`$false
"@
        $start = [System.Diagnostics.ProcessStartInfo]::new($script:pwsh)
        '-NoProfile', '-NonInteractive', '-File', $script | ForEach-Object { $start.ArgumentList.Add($_) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        try {
            # Wait until some batches are committed, then press Ctrl+C.
            $deadline = (Get-Date).AddSeconds(90)
            do {
                Start-Sleep -Milliseconds 200
                $done = try { Invoke-TestSql -Url $script:url -Sql 'SELECT count(*) FROM public."ProfileNew"' } catch { 0 }   # no table before the schema step
            } until ([int]$done -ge 20 -or $process.HasExited -or (Get-Date) -gt $deadline)
            $process.HasExited | Should -BeFalse -Because 'the run must still be going when Ctrl+C is pressed'
            & kill -INT $process.Id
            $process.WaitForExit(60000) | Should -BeTrue
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
        }

        $output = $stdout.Result + $stderr.Result
        $output | Should -Match 'WARNING: Stopped on request after batch \d+'
        $output | Should -Match 'user\(s\) migrated in this run, [\d,]+ remaining'
        $output | Should -Match ([regex]::Escape($reports))
    }
}

# kill -9 of a live run (issue 16, item 4): the findings of the batches it committed survive (the findings journal,
# written in each batch's transaction), readable by run id; no spill file is left behind.
Describe 'kill -9' {
    BeforeAll {
        Import-Module $env:MATCHMADE_MODULE -Force -ErrorAction Stop
        $script:killedUrl = New-TestDatabase -Prefix 'killed'
        $script:referenceUrl = New-TestDatabase -Prefix 'killref'
        $script:killedReports = Join-Path $TestDrive 'killed'
        $script:referenceReports = Join-Path $TestDrive 'reference'
        $script:pages = Join-Path $TestDrive 'pages'
        New-Item -ItemType Directory -Path $script:killedReports, $script:referenceReports, $script:pages | Out-Null

        # Real pwsh as one process (dotnet pwsh.dll, not a launcher), so the kill hits the process that runs the cmdlet.
        $script = Join-Path $TestDrive 'killed.ps1'
        Set-Content -Path $script -Value @"
Import-Module '$env:MATCHMADE_MODULE'
Invoke-ProfileMigration -ConnectionString '$script:killedUrl' -BatchSize 1 -ThrottleLimit 1 -ReportPath '$script:killedReports' -Confirm:`$false
"@
        $start = [System.Diagnostics.ProcessStartInfo]::new((Get-Process -Id $PID).Path)
        (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', $script | ForEach-Object { $start.ArgumentList.Add($_) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $null = $process.StandardOutput.ReadToEndAsync(), $process.StandardError.ReadToEndAsync()
        try {
            $deadline = (Get-Date).AddSeconds(90)
            do {
                Start-Sleep -Milliseconds 100
                $done = try { [int](Invoke-TestSql -Url $script:killedUrl -Sql 'SELECT count(*) FROM public."ProfileNew"') } catch { 0 }
            } until ($done -ge 40 -or $process.HasExited -or (Get-Date) -gt $deadline)
            $script:wasRunning = -not $process.HasExited
            $process.Kill()   # SIGKILL: no finally block, no Dispose, no report
            $null = $process.WaitForExit(30000)
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true) }
        }

        # The server ends the killed client's sessions when it sees their sockets close: wait for that, so what is
        # committed no longer moves.
        $deadline = (Get-Date).AddSeconds(30)
        while ([int](Invoke-TestSql -Url $script:killedUrl -Sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name LIKE 'Matchmade%'") -gt 0 -and (Get-Date) -lt $deadline) {
            Start-Sleep -Milliseconds 100
        }

        $script:runId = [guid](Invoke-TestSql -Url $script:killedUrl -Sql 'SELECT run_id FROM matchmade.run')
        $script:committed = [System.Collections.Generic.HashSet[string]]::new([string[]](Invoke-TestSql -Url $script:killedUrl -Sql 'SELECT user_id FROM matchmade.migrated_user'))
        $script:summary = Get-MigrationReport -ConnectionString $script:killedUrl -RunId $script:runId -Kind Summary
        $script:findings = @(Get-MigrationReport -ConnectionString $script:killedUrl -RunId $script:runId -Kind Conflict, UnmappedField, InvalidValue, Error)

        # What an uninterrupted run reports for the same users: the killed run's findings must be exactly these.
        $full = Invoke-ProfileMigration -ConnectionString $script:referenceUrl -ReportPath $script:referenceReports -Confirm:$false
        $script:expected = @(Get-MigrationReport -Path $full.ReportPath -Kind Conflict, UnmappedField, InvalidValue, Error | Where-Object { $_.UserId -and $script:committed.Contains($_.UserId) })

        function ConvertTo-Line { process { '{0}|{1}|{2}|{3}|{4}|{5}|{6}|{7}' -f $_.Kind, $_.UserId, $_.ContextType, $_.Field, $_.Value, "$($_.Candidates)", $_.Chosen, $_.Reason } }
        $script:lines = @($script:findings | ConvertTo-Line | Sort-Object -CaseSensitive)
        $script:expectedLines = @($script:expected | ConvertTo-Line | Sort-Object -CaseSensitive)
    }

    AfterAll {
        Remove-TestDatabase -Url $script:killedUrl
        Remove-TestDatabase -Url $script:referenceUrl
    }

    It 'was killed after some batches, before the end' {
        $script:wasRunning | Should -BeTrue -Because 'the run must still be going when it is killed'
        $script:committed.Count | Should -BeGreaterOrEqual 40
        $script:committed.Count | Should -BeLessThan ([int](Invoke-TestSql -Url $script:killedUrl -Sql 'SELECT count(*) FROM "User"'))
    }

    It 'leaves no spill file and no report behind' {
        @(Get-ChildItem -LiteralPath $script:killedReports -Force -Recurse) | Should -BeNullOrEmpty
    }

    It 'reads as an interrupted run with the counts of what it committed' {
        $script:summary.Status | Should -Be 'Interrupted'
        $script:summary.Path | Should -BeNullOrEmpty
        $script:summary.Message | Should -Match 'findings journal'
        $script:summary.UsersMigrated | Should -Be $script:committed.Count
    }

    It 'returns exactly the findings of the committed users by run id' {
        $script:expectedLines.Count | Should -BeGreaterThan 0 -Because 'the committed users have findings to lose'
        $script:lines | Should -Be $script:expectedLines
        @($script:findings | Where-Object Kind -eq 'Conflict').Count | Should -Be $script:summary.Conflicts
        @($script:findings | Where-Object Kind -eq 'InvalidValue').Count | Should -Be $script:summary.InvalidValues
        @($script:findings | Where-Object Kind -eq 'UnmappedField' | Group-Object UserId, ContextType).Count | Should -Be $script:summary.UnmappedFields
        @($script:findings | Where-Object Kind -eq 'Error').Count | Should -Be $script:summary.Errors
    }

    It 'exports the run: the report is rebuilt from the journal, marked interrupted, then the page' {
        $export = Export-MigrationReport -ConnectionString $script:killedUrl -RunId $script:runId -Path $script:pages -Confirm:$false
        Test-Path -LiteralPath $export.Path | Should -BeTrue
        $rebuilt = Get-MigrationReport -Path $export.ReportPath -Kind Summary
        $rebuilt.Status | Should -Be 'Interrupted'
        $rebuilt.Message | Should -Match 'Rebuilt from the findings journal'
        @(Get-MigrationReport -Path $export.ReportPath -Kind Conflict, UnmappedField, InvalidValue, Error | ConvertTo-Line | Sort-Object -CaseSensitive) | Should -Be $script:expectedLines
    }

    It 'the next run skips the committed users and says where their findings are' {
        $resumed = Invoke-ProfileMigration -ConnectionString $script:killedUrl -ReportPath $script:killedReports -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $resumed.UsersSkipped | Should -Be $script:committed.Count
        ($warned -join "`n") | Should -Match ([regex]::Escape("Get-MigrationReport -RunId $($script:runId)"))
        # Its report says where the skipped users' findings are.
        (Get-MigrationReport -Path $resumed.ReportPath -Kind Summary).Message | Should -Match ([regex]::Escape("Get-MigrationReport -RunId $($script:runId)"))
        # The interrupted run's findings stay readable after the next run.
        @(Get-MigrationReport -ConnectionString $script:killedUrl -RunId $script:runId -Kind Conflict, UnmappedField, InvalidValue, Error).Count | Should -Be $script:findings.Count
    }
}
