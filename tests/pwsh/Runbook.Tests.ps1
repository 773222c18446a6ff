<#
    The DBA's runbook in real pwsh, with the module imported from out/ by its manifest: status, dry run, canary, full
    run, integrity, report, undo; the default views as a DBA sees them; the documented error ids with
    $ErrorActionPreference = 'Stop' and try/catch; tab completion through TabExpansion2.
    Run by tests/Matchmade.Pester.Tests (see TestHelpers.psm1 for the environment it sets).
#>

BeforeAll {
    Import-Module -Name (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module -Name $env:MATCHMADE_MODULE -Force -ErrorAction Stop
    $script:url = Get-TestUrl
    $script:users = [int](Invoke-TestSql -Sql 'SELECT count(*) FROM "User"')

    function Get-CaughtError {
        <# Runs the script block as a runbook does ('Stop' + try/catch) and returns what catch saw. #>
        param([Parameter(Mandatory)] [scriptblock] $Script)
        $ErrorActionPreference = 'Stop'
        try {
            & $Script | Out-Null
        }
        catch {
            return $_
        }
        throw 'expected an error, got none'
    }

    function Get-Completion {
        param([Parameter(Mandatory)] [string] $Line)
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
    }
}

Describe 'The runbook, step by step' {
    It 'imports the module from out/ by its manifest, at the manifest''s version' {
        $module = Get-Module -Name Matchmade
        $module.ModuleBase | Should -Be (Split-Path -Parent $env:MATCHMADE_MODULE)
        $module.Version | Should -Be (Import-PowerShellDataFile -Path $env:MATCHMADE_MODULE).ModuleVersion
        $module.ExportedCmdlets.Keys | Should -Contain 'Invoke-ProfileMigration'
    }

    It 'status: every user still to migrate, shown as a list' {
        $status = Get-ProfileMigrationStatus -ConnectionString $url
        $status.UsersNotMigrated | Should -Be $users
        $status.NewTablesExist | Should -BeFalse
        $text = $status | Out-String -Width 120
        $text | Should -Match '(?m)^UsersNotMigrated\s+: \d+'
        $text | Should -Match '(?m)^OldTablesExist\s+: True'
        $text | Should -Not -Match 'password'
    }

    It 'dry run (-WhatIf): everyone would migrate; nothing is written but the report' {
        $run = Invoke-ProfileMigration -ConnectionString $url -ReportPath $TestDrive -WhatIf
        $run.Mode | Should -Be 'DryRun'
        $run.Status | Should -Be 'Completed'
        $run.UsersMigrated | Should -Be $users
        $run.ReportPath | Should -Exist
        (Get-ProfileMigrationStatus -ConnectionString $url).NewTablesExist | Should -BeFalse
        ($run | Out-String -Width 120) | Should -Match '(?m)^Mode\s+: DryRun'
    }

    It 'canary (-MaxUsers 100): 100 users migrated' {
        $run = Invoke-ProfileMigration -ConnectionString $url -ReportPath $TestDrive -MaxUsers 100 -Confirm:$false
        $run.Mode | Should -Be 'Live'
        $run.UsersMigrated | Should -Be 100
        (Get-ProfileMigrationStatus -ConnectionString $url).UsersNotMigrated | Should -Be ($users - 100)
    }

    It 'full run: the rest; the list view shows the counts' {
        $script:full = Invoke-ProfileMigration -ConnectionString $url -ReportPath $TestDrive -Confirm:$false
        $full.Status | Should -Be 'Completed'
        $full.UsersMigrated | Should -Be ($users - 100)
        $text = $full | Out-String -Width 120
        foreach ($label in 'RunId', 'Status', 'Database', 'UsersMigrated', 'UsersSkipped', 'Conflicts', 'Duration', 'ReportPath') {
            $text | Should -Match "(?m)^$label\s+: "
        }
        (Get-ProfileMigrationStatus -ConnectionString $url).UsersNotMigrated | Should -Be 0
    }

    It 'integrity: every check passes; the table has the columns a DBA reads' {
        $checks = Test-MigrationIntegrity -ConnectionString $url
        $checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Detail)" } | Should -BeNullOrEmpty
        $checks.Name | Should -Contain 'Reconciliation'
        ($checks | Out-String -Width 120) | Should -Match '(?m)^Name\s+Passed\s+Severity\s+Observed\s+Detail\s*$'
        Test-MigrationIntegrity -ConnectionString $url -Quiet | Should -BeTrue
    }

    It 'report: the latest run''s summary and its findings as a table' {
        $summary = Get-MigrationReport -ConnectionString $url -Latest -Kind Summary
        $summary.Status | Should -Be 'Completed'
        $summary.Errors | Should -Be 0
        ($summary | Out-String -Width 120) | Should -Match '(?m)^UsersMigrated\s+: '
        ($summary | Out-String -Width 120) | Should -Match '(?m)^ContextsByType\s+: romantic=\d+, friendship=\d+, professional=\d+, creative=\d+, service=\d+\s*$'
        $conflicts = Get-MigrationReport -Path $full.ReportPath -Kind Conflict
        $conflicts | Should -Not -BeNullOrEmpty
        # The table a DBA sees: grouped by Kind, the columns that matter at 80 columns.
        ($conflicts | Select-Object -First 3 | Out-String -Width 120) |
            Should -Match '(?ms)^\s*Kind: Conflict\s*$.*^UserId\s+Context:Field\s+Value / Chosen\s+Reason / Candidates\s*$'
        ($conflicts | Select-Object -First 3 | Out-String -Width 200) |
            Should -Match '(?m)^UserId\s+Context:Field\s+Value / Chosen\s+Reason / Candidates\s*$'
    }

    It 'undo: -WhatIf drops nothing; then the new tables are gone and every user is to migrate again' {
        Undo-ProfileMigration -ConnectionString $url -WhatIf | Out-Null
        (Get-ProfileMigrationStatus -ConnectionString $url).NewTablesExist | Should -BeTrue
        $undo = Undo-ProfileMigration -ConnectionString $url -Confirm:$false
        ($undo | Out-String -Width 120) | Should -Match '(?m)^ProfileNewRows\s+: \d+'
        $status = Get-ProfileMigrationStatus -ConnectionString $url
        $status.NewTablesExist | Should -BeFalse
        $status.UsersNotMigrated | Should -Be $users
    }
}

Describe 'Bad input in a runbook: the documented error id, caught with try/catch' {
    BeforeAll {
        $script:noTables = New-TestDatabase -Prefix 'pw_empty'
        Invoke-TestSql -Url $noTables -Sql 'DROP TABLE "ChatMessage", "Profile", "ContextProfile", "User"' | Out-Null
    }
    AfterAll {
        Remove-TestDatabase -Url $noTables
    }

    It 'a wrong password gives AuthenticationFailed' {
        $builder = [System.UriBuilder]::new($url)
        $builder.Password = 'not-the-password'
        $caught = Get-CaughtError { Get-ProfileMigrationStatus -ConnectionString $builder.Uri.AbsoluteUri }
        $caught.FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,Matchmade.Commands.GetProfileMigrationStatusCommand'
        "$caught" | Should -Not -Match 'not-the-password'
    }

    It 'an unreachable host (a closed port) gives HostUnreachable' {
        $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $caught = Get-CaughtError { Get-ProfileMigrationStatus -ConnectionString "postgresql://dba:secret@127.0.0.1:$port/app" }
        $caught.FullyQualifiedErrorId | Should -Be 'HostUnreachable,Matchmade.Commands.GetProfileMigrationStatusCommand'
    }

    It 'a typo in the connection string gives InvalidConnectionString' {
        $caught = Get-CaughtError { Get-ProfileMigrationStatus -ConnectionString ($url + '?sslmod=require') }
        $caught.FullyQualifiedErrorId | Should -Be 'InvalidConnectionString,Matchmade.Commands.GetProfileMigrationStatusCommand'
    }

    It 'a database without the old tables gives SourceTablesNotFound' {
        $caught = Get-CaughtError { Invoke-ProfileMigration -ConnectionString $noTables -ReportPath $TestDrive -WhatIf }
        $caught.FullyQualifiedErrorId | Should -Be 'SourceTablesNotFound,Matchmade.Commands.InvokeProfileMigrationCommand'
    }

    It 'an existing report gives ReportExists' {
        $existing = Join-Path $TestDrive 'existing.json'
        Set-Content -Path $existing -Value '{}'
        $caught = Get-CaughtError { Invoke-ProfileMigration -ConnectionString $url -ReportPath $existing -WhatIf }
        $caught.FullyQualifiedErrorId | Should -Be 'ReportExists,Matchmade.Commands.InvokeProfileMigrationCommand'
    }
}

Describe 'Tab completion (TabExpansion2)' {
    It '-Check completes the integrity checks' {
        Get-Completion 'Test-MigrationIntegrity -Check Recon' | Should -Be @('Reconciliation')
        (Get-Completion 'Test-MigrationIntegrity -Check ').Count | Should -BeGreaterThan 10
    }

    It '-Kind completes the report''s kinds' {
        Get-Completion 'Get-MigrationReport -Kind Conf' | Should -Be @('Conflict')
        Get-Completion 'Get-MigrationReport -Kind ' | Should -Contain 'Summary'
    }

    It '-Schema completes the schemas of the database on the command line, read from the server' {
        Invoke-TestSql -Sql 'CREATE SCHEMA IF NOT EXISTS crm' | Out-Null
        $all = Get-Completion "Get-ProfileMigrationStatus -ConnectionString '$url' -Schema "
        $all | Should -Be @('public', 'crm')   # the schema with the app's tables first; never pg_*, information_schema or the module's own
        Get-Completion "Test-MigrationIntegrity -ConnectionString '$url' -Schema cr" | Should -Be @('crm')
    }

    It '-Schema completes from $env:DATABASE_URL, and to nothing when the server cannot be reached' {
        $env:DATABASE_URL = $url
        try {
            Get-Completion 'Invoke-ProfileMigration -Schema pub' | Should -Be @('public')
        }
        finally {
            Remove-Item Env:DATABASE_URL
        }
        Get-Completion "Get-ProfileMigrationStatus -ConnectionString 'postgresql://x:y@127.0.0.1:1/none' -Schema " | Should -BeNullOrEmpty
    }
}
