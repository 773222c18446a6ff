# What a DBA reads (issue 16, items 5-8): canary wording, views at 80 columns, findings in CSV and JSON, and the undo
# guard against hand edits. One database, walked through the runbook in order.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:MATCHMADE_MODULE -Force -ErrorAction Stop
    $script:url = New-TestDatabase -Prefix 'out'
    # Not under TestDrive: Pester empties it after each Describe, and the reports are read across them.
    $script:reports = Join-Path ([System.IO.Path]::GetTempPath()) ('matchmade-dba-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $script:reports | Out-Null
    $script:users = [int](Invoke-TestSql -Url $script:url -Sql 'SELECT count(*) FROM "User"')
}

AfterAll {
    Remove-TestDatabase -Url $script:url
    Remove-Item -LiteralPath $script:reports -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'A canary' {
    BeforeAll {
        Invoke-ProfileMigration -ConnectionString $script:url -MaxUsers 10 -ReportPath $script:reports -Confirm:$false | Out-Null
        $script:checks = Test-MigrationIntegrity -ConnectionString $script:url -Check Reconciliation, NothingLost -WarningAction SilentlyContinue
    }

    It 'says users are not migrated yet instead of lost (NothingLost)' {
        $check = $script:checks | Where-Object Name -eq 'NothingLost'
        $check.Observed | Should -Be "0 of 10 migrated users lost keys; $($script:users - 10) not migrated yet"
        $check.Severity | Should -Be 'Warning'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -Match 'not migrated yet'
    }

    It 'says users are not migrated yet instead of different (Reconciliation)' {
        $check = $script:checks | Where-Object Name -eq 'Reconciliation'
        $check.Observed | Should -Be "0 of 10 migrated users differ; $($script:users - 10) not migrated yet"
        $check.Severity | Should -Be 'Warning'
    }

    It 'still says lost for a migrated user whose data went missing' {
        Invoke-TestSql -Url $script:url -Sql 'UPDATE "ProfileNew" SET location = NULL, "updatedAt" = now() WHERE "userId" = (SELECT "userId" FROM "ProfileNew" WHERE location IS NOT NULL ORDER BY 1 LIMIT 1)' | Out-Null
        $check = Test-MigrationIntegrity -ConnectionString $script:url -Check Reconciliation -WarningAction SilentlyContinue
        $check.Observed | Should -Match '^1 of 10 migrated users differ; \d+ not migrated yet$'
        $check.Severity | Should -Be 'Error'
        Invoke-ProfileMigration -ConnectionString $script:url -Force -UserId $check.SampleIds[0] -ReportPath $script:reports -Confirm:$false | Out-Null
    }
}

Describe 'Views' {
    It 'names a dry run''s counts as would-be counts' {
        $dry = Invoke-ProfileMigration -ConnectionString $script:url -WhatIf -ReportPath $script:reports
        $dry.UsersToMigrate | Should -Be ($script:users - 10)
        $text = $dry | Out-String -Width 80
        $text | Should -Match 'UsersToMigrate\s+: \d+'
        $text | Should -Match 'ContextIntentsToWrite\s+: \d+'
        $text | Should -Not -Match 'UsersMigrated|ContextIntentsWritten'
    }

    It 'shows Database as the property is (a live run)' {
        $script:run = Invoke-ProfileMigration -ConnectionString $script:url -ReportPath $script:reports -Confirm:$false
        $text = $script:run | Out-String -Width 80
        $shown = [regex]::Match($text, '(?m)^Database\s+: (.*?)\s*$').Groups[1].Value
        $shown | Should -Be $script:run.Database
        $script:run | Where-Object Database -eq $shown | Should -Not -BeNullOrEmpty
        $text | Should -Match 'UsersMigrated'
    }

    It 'keeps Name, Passed, Observed and Detail of the integrity table at 80 columns' {
        $text = Test-MigrationIntegrity -ConnectionString $script:url | Out-String -Width 80
        $header = ($text -split "`n" | Where-Object { $_ -match '^Name\s' } | Select-Object -First 1)
        $header | Should -Match 'Name\s+Passed\s+Severity\s+Observed\s+Detail'
        $text | Should -Match 'Database: '
    }

    It 'keeps the user, field, value and candidates of the findings table at 80 columns' {
        $text = Get-MigrationReport -Path $script:run.ReportPath -Kind Conflict | Select-Object -First 5 | Out-String -Width 80
        $header = ($text -split "`n" | Where-Object { $_ -match '^UserId\s' } | Select-Object -First 1)
        $header | Should -Match '^UserId\s+Context:Field\s+Value / Chosen\s+Reason / Candidates\s*$'
        $text | Should -Match 'Kind: Conflict'
        $text | Should -Match '\w+="'   # candidates, not a type name
    }
}

Describe 'Findings leave PowerShell readable' {
    BeforeAll {
        $script:conflicts = @(Get-MigrationReport -Path $script:run.ReportPath -Kind Conflict)
    }

    It 'writes candidates to Export-Csv as their values' {
        $csv = Join-Path $TestDrive 'conflicts.csv'
        $script:conflicts | Export-Csv -Path $csv
        $rows = Import-Csv -Path $csv
        $rows.Count | Should -Be $script:conflicts.Count
        $rows[0].Candidates | Should -Not -Match 'System\.'
        $rows[0].Candidates | Should -Be (($script:conflicts[0].Candidates) -join '; ')
        $rows[0].Candidates | Should -Match '^\w+=.+; \w+=.+'
    }

    It 'writes candidates to ConvertTo-Json as a list of values' {
        $json = $script:conflicts | Select-Object -First 3 | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json[0].Candidates.Count | Should -BeGreaterOrEqual 2
        $json[0].Candidates[0] | Should -Be $script:conflicts[0].Candidates[0]
    }

    It 'writes integrity sample ids to Export-Csv as their values' {
        $csv = Join-Path $TestDrive 'checks.csv'
        Invoke-TestSql -Url $script:url -Sql 'UPDATE "ProfileNew" SET location = ''Nowhere'' WHERE "userId" IN (SELECT "userId" FROM "ProfileNew" ORDER BY 1 LIMIT 2)' | Out-Null
        Test-MigrationIntegrity -ConnectionString $script:url -Check Reconciliation -WarningAction SilentlyContinue | Export-Csv -Path $csv
        (Import-Csv -Path $csv).SampleIds | Should -Match '^\S+; \S+$'
    }
}

Describe 'The undo guard' {
    It 'objects to a hand edit that left updatedAt alone' {
        Invoke-ProfileMigration -ConnectionString $script:url -Force -ReportPath $script:reports -Confirm:$false | Out-Null   # undo the edits above
        Undo-ProfileMigration -ConnectionString $script:url -WhatIf -ErrorVariable before -ErrorAction SilentlyContinue
        $before | Should -BeNullOrEmpty -Because 'rows the module wrote, untouched, do not stop an undo'
        Invoke-TestSql -Url $script:url -Sql 'UPDATE "ProfileNew" SET location = ''Atlantis'' WHERE "userId" = (SELECT min("userId") FROM "ProfileNew")' | Out-Null
        Undo-ProfileMigration -ConnectionString $script:url -WhatIf -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'ForeignRowsPresent,*'
        $result = Undo-ProfileMigration -ConnectionString $script:url -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'ForeignRowsPresent,*'
        Invoke-TestSql -Url $script:url -Sql 'SELECT count(*) FROM "ProfileNew"' | Should -BeGreaterThan 0
    }

    It 'drops with -Force' {
        (Undo-ProfileMigration -ConnectionString $script:url -Force -Confirm:$false).Dropped | Should -BeTrue
    }
}
