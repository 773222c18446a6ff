#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Matchmade's release gate for your CI: run it against the database you migrated.

        $env:DATABASE_URL = 'postgresql://dba@db.internal:5432/app?schema=public'
        $env:MATCHMADE_MODULE = './out/Matchmade/Matchmade.psd1'   # or leave unset to import an installed Matchmade
        Invoke-Pester -Path ./tests/pester -Output Detailed

    It fails when the module does not import, when any integrity check fails, or when the latest run in the
    database's run history reported errors or did not complete.
#>

BeforeAll {
    $module = if ($env:MATCHMADE_MODULE) { $env:MATCHMADE_MODULE } else { 'Matchmade' }
    Import-Module -Name $module -Force -ErrorAction Stop
}

Describe 'Matchmade migration gate' {
    It 'imports the module with its cmdlets' {
        Get-Command -Module Matchmade -Name Test-MigrationIntegrity | Should -Not -BeNullOrEmpty
        Get-Command -Module Matchmade -Name Get-MigrationReport | Should -Not -BeNullOrEmpty
    }

    It 'has a database to check (DATABASE_URL)' {
        $env:DATABASE_URL | Should -Not -BeNullOrEmpty
    }

    # -ErrorAction Stop everywhere: a check that could not run (server down, wrong database) fails the gate instead of
    # leaving nothing to assert on.
    It 'passes every integrity check' {
        $checks = Test-MigrationIntegrity -ConnectionString $env:DATABASE_URL -ErrorAction Stop -WarningAction SilentlyContinue
        $checks | Should -Not -BeNullOrEmpty
        # The failed checks by name and detail, so the CI log says which check failed and why.
        $failed = $checks | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.Name): $($_.Detail)" }
        $failed | Should -BeNullOrEmpty -Because 'every integrity check must pass'
    }

    # By State, not UsersNotMigrated: after Complete-ProfileMigration there is no ProfileNew to count users against
    # (UsersNotMigrated is empty, State is Completed), and every user was migrated before the completion could run.
    It 'has every user migrated' {
        $status = Get-ProfileMigrationStatus -ConnectionString $env:DATABASE_URL -ErrorAction Stop
        $status.State | Should -BeIn 'Migrated', 'Completed' -Because "$($status.UsersNotMigrated) users have no ProfileNew yet (run Invoke-ProfileMigration; users the app created since the run are brought over by Sync-ProfileMigration)"
    }

    It 'has a latest run that completed without errors' {
        $summary = Get-MigrationReport -ConnectionString $env:DATABASE_URL -Latest -Kind Summary -ErrorAction Stop
        $summary.Status | Should -Be 'Completed'
        $summary.Errors | Should -Be 0
    }
}
