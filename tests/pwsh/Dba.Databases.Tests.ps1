# What a DBA who lives in dbatools expects (issue 16, items 1 and 2): one result or one error per database, errors
# that a script can stop on, and gates that fail closed when a check could not run.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:MATCHMADE_MODULE -Force -ErrorAction Stop

    $script:a = Get-TestUrl
    $script:b = New-TestDatabase -Prefix 'dba'
    $script:missing = Get-TestUrl -Database 'dba_does_not_exist'

    # A port nobody listens on: the server is "down".
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $script:downUrl = "postgresql://dba:secret@127.0.0.1:$($listener.LocalEndpoint.Port)/app"
    $listener.Stop()

    $script:pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Invoke-ChildScript {
        <# Runs a script file in a new pwsh process with DATABASE_URL set; returns its exit code and output. #>
        param([string] $Body, [string] $DatabaseUrl)
        $file = Join-Path $TestDrive ("gate-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        Set-Content -Path $file -Value ("Import-Module '$env:MATCHMADE_MODULE'`n" + $Body + "`n'GATE PASSED'")
        $names = 'DATABASE_URL', 'APP_DATABASE_URL', 'BIG_DATABASE_URL'   # the names the help's examples use
        $saved = $names | ForEach-Object { [Environment]::GetEnvironmentVariable($_) }
        try {
            $names | ForEach-Object { [Environment]::SetEnvironmentVariable($_, $DatabaseUrl) }
            $output = & $script:pwsh -NoProfile -NonInteractive -File $file 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
        }
        finally {
            for ($i = 0; $i -lt $names.Count; $i++) { [Environment]::SetEnvironmentVariable($names[$i], $saved[$i]) }
        }
    }
}

AfterAll {
    Remove-TestDatabase -Url $script:b
}

Describe 'Several databases' {
    It 'binds -ConnectionString a, b and gives one status per database' {
        $statuses = Get-ProfileMigrationStatus -ConnectionString $script:a, $script:b
        $statuses.Count | Should -Be 2
        ($statuses.Database | Sort-Object -Unique).Count | Should -Be 2
    }

    It 'takes plain strings from the pipeline' {
        $statuses = $script:a, $script:b | Get-ProfileMigrationStatus
        $statuses.Count | Should -Be 2
    }

    It 'takes objects by property name (ConnectionString, DatabaseUrl, Url)' {
        $statuses = [pscustomobject]@{ ConnectionString = $script:a }, [pscustomobject]@{ DatabaseUrl = $script:b } | Get-ProfileMigrationStatus
        $statuses.Count | Should -Be 2
    }

    It 'gives an error for a bad database in the middle and results for the others' {
        $statuses = $script:a, $script:missing, $script:b | Get-ProfileMigrationStatus -ErrorVariable failures -ErrorAction SilentlyContinue
        $statuses.Count | Should -Be 2
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DatabaseNotFound,*'
    }

    It 'previews every database with Invoke-ProfileMigration -WhatIf' {
        $results = $script:a, $script:missing, $script:b | Invoke-ProfileMigration -WhatIf -ReportPath $TestDrive -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Count | Should -Be 2
        $failures.Count | Should -Be 1
    }

    It 'reads the latest run of every database with Get-MigrationReport -Latest' {
        $script:a, $script:b | Invoke-ProfileMigration -MaxUsers 5 -ReportPath $TestDrive -Confirm:$false | Out-Null
        $summaries = $script:a, $script:missing, $script:b | Get-MigrationReport -Latest -Kind Summary -ErrorVariable failures -ErrorAction SilentlyContinue
        $summaries.Count | Should -Be 2
        $failures.Count | Should -Be 1
    }

    It 'checks every database with Test-MigrationIntegrity and names the database on each check' {
        $checks = $script:a, $script:b | Test-MigrationIntegrity -Check UserProfileCount -WarningAction SilentlyContinue
        $checks.Count | Should -Be 2
        ($checks.Database | Sort-Object -Unique).Count | Should -Be 2
    }

    It 'binds piped findings to -UserId, never to -ConnectionString' {
        $report = Get-ChildItem -Path $TestDrive -Filter 'migration-report-*.json' | Where-Object { (Get-MigrationReport -Path $_.FullName -Kind Summary).Mode -eq 'Live' } | Select-Object -First 1
        $findings = @(Get-MigrationReport -Path $report.FullName -Kind Conflict, UnmappedField | Select-Object -First 3)
        $findings.Count | Should -BeGreaterThan 0
        $checks = $findings | Test-MigrationIntegrity -ConnectionString $script:a -Check Reconciliation -ErrorVariable failures -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failures | Should -BeNullOrEmpty
        @($checks).Count | Should -Be 1
        $checks.Observed | Should -Match "of $(@($findings.UserId | Sort-Object -Unique).Count) "
    }

    It 'undoes every database, one result each' {
        $results = $script:a, $script:missing, $script:b | Undo-ProfileMigration -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Count | Should -Be 2
        $results.Dropped | Should -Not -Contain $false
        $failures.Count | Should -Be 1
    }
}

Describe 'Gates fail closed' {
    BeforeAll {
        Invoke-ProfileMigration -ConnectionString $script:a -MaxUsers 5 -ReportPath $TestDrive -Confirm:$false | Out-Null
    }

    It '-Quiet is $false (with an error) when one database cannot be checked' {
        $verdict = $script:a, $script:missing | Test-MigrationIntegrity -Check Schema -Quiet -ErrorVariable failures -ErrorAction SilentlyContinue
        @($verdict).Count | Should -Be 1
        $verdict | Should -BeFalse
        $failures.Count | Should -Be 1
    }

    It '-Quiet is $false when the server is down' {
        $verdict = Test-MigrationIntegrity -ConnectionString $script:downUrl -Quiet -ErrorAction SilentlyContinue
        $verdict | Should -BeExactly $false
    }

    It 'the help''s gate examples exit non-zero when the server is down' {
        $examples = (Get-Help Test-MigrationIntegrity -Full).examples.example | Where-Object { $_.title -match 'gate' }
        $examples | Should -Not -BeNullOrEmpty
        foreach ($example in $examples) {
            $run = Invoke-ChildScript -Body $example.code -DatabaseUrl $script:downUrl
            $run.Output | Should -Not -Match 'GATE PASSED'
            $run.ExitCode | Should -Not -Be 0
            $run.Output | Should -Match 'HostUnreachable|Could not reach PostgreSQL'
        }
    }

    It 'a script with the documented $ErrorActionPreference = ''Stop'' pattern stops at the first failure' {
        $run = Invoke-ChildScript -Body "`$ErrorActionPreference = 'Stop'`nGet-ProfileMigrationStatus | Out-Null" -DatabaseUrl $script:downUrl
        $run.Output | Should -Not -Match 'GATE PASSED'
        $run.ExitCode | Should -Not -Be 0
    }

    It 'no test of the Pester gate suite passes on a database it cannot reach (except the import checks)' {
        $gate = Join-Path $PSScriptRoot '..' 'pester'
        $body = "`$c = New-PesterConfiguration; `$c.Run.Path = '$gate'; `$c.Run.PassThru = `$true; `$c.Output.Verbosity = 'None'`n" +
            "`$env:MATCHMADE_MODULE = '$env:MATCHMADE_MODULE'`n" +
            "`$r = Invoke-Pester -Configuration `$c; `$r.Tests | ForEach-Object { 'RESULT ' + `$_.Result + ': ' + `$_.Name }; exit `$r.FailedCount"
        $run = Invoke-ChildScript -Body $body -DatabaseUrl $script:downUrl
        $run.Output | Should -Match 'RESULT Failed: passes every integrity check'
        $run.Output | Should -Match 'RESULT Failed: has every user migrated'
        $run.Output | Should -Match 'RESULT Failed: has a latest run'
        $run.ExitCode | Should -Not -Be 0
    }
}
