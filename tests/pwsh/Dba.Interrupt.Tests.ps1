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
