#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Matchmade's release gate for your CI: run it against the database you migrated.

        $env:DATABASE_URL = 'postgresql://dba@db.internal:5432/app?schema=public'
        $env:MATCHMADE_MODULE = './out/Matchmade/Matchmade.psd1'   # or leave unset to import an installed Matchmade
        Invoke-Pester -Path ./tests/pester -Output Detailed

    The database is the module's own default: $env:DIRECT_URL if set (Prisma's directUrl, the connection that bypasses
    a pooler), else $env:DATABASE_URL. Or give it (one container per database, to gate several in one run):

        $gate = New-PesterContainer -Path ./tests/pester/Matchmade.Gate.Tests.ps1 -Data @{ ConnectionString = $url; Schema = 'app' }
        Invoke-Pester -Container $gate -Output Detailed

    It fails when the module does not import, when no database is given, when any integrity check fails (changes the
    app made since the run that await Sync-ProfileMigration included), when users are left to migrate, or when the
    latest run in the database's run history reported errors or did not complete. Checks that cannot run (the
    reconciliation once Complete-ProfileMigration -RemoveArchive removed the old rows) make the integrity test skipped,
    not failed, with their reason.
#>
param(
    # The database to check: a connection string or postgresql:// URL. Default: $env:DIRECT_URL, else $env:DATABASE_URL.
    [string] $ConnectionString,

    # The app's schema. Default: the URL's ?schema=, else public.
    [string] $Schema
)

BeforeAll {
    $module = if ($env:MATCHMADE_MODULE) { $env:MATCHMADE_MODULE } else { 'Matchmade' }
    Import-Module -Name $module -Force -ErrorAction Stop

    # Splatted into every cmdlet: without -ConnectionString the module takes $env:DIRECT_URL, else $env:DATABASE_URL.
    $database = @{}
    if ($ConnectionString) { $database.ConnectionString = $ConnectionString }
    if ($Schema) { $database.Schema = $Schema }
    $given = if ($ConnectionString) { '-Data ConnectionString' }
        elseif (-not [string]::IsNullOrWhiteSpace($env:DIRECT_URL)) { '$env:DIRECT_URL' }
        elseif (-not [string]::IsNullOrWhiteSpace($env:DATABASE_URL)) { '$env:DATABASE_URL' }
}

Describe 'Matchmade migration gate' {
    It 'imports the module with its cmdlets' {
        Get-Command -Module Matchmade -Name Test-MigrationIntegrity | Should -Not -BeNullOrEmpty
        Get-Command -Module Matchmade -Name Get-MigrationReport | Should -Not -BeNullOrEmpty
    }

    It 'has a database to check (DATABASE_URL, DIRECT_URL or -Data ConnectionString)' {
        $given | Should -Not -BeNullOrEmpty -Because 'the gate needs the migrated database: set $env:DATABASE_URL (or $env:DIRECT_URL, Prisma''s directUrl), or run it with New-PesterContainer -Data @{ ConnectionString = ''postgresql://…'' }'
    }

    # -ErrorAction Stop everywhere: a check that could not run (server down, wrong database, no database given) fails the
    # gate with the module's message instead of leaving nothing to assert on.
    It 'passes every integrity check' {
        $checks = Test-MigrationIntegrity @database -ErrorAction Stop -WarningAction SilentlyContinue
        $checks | Should -Not -BeNullOrEmpty
        # The failed checks by name and detail, so the CI log says which check failed and why.
        $failed = $checks | Where-Object { -not $_.Passed -and -not $_.Skipped } | ForEach-Object { "$($_.Name): $($_.Detail)" }
        $failed | Should -BeNullOrEmpty -Because "every integrity check of $($checks[0].Server)/$($checks[0].Database) must pass"
        # Passed with a warning (PendingChanges without change tracking: nothing pending that it could know of): the CI
        # log shows it, so that "nothing pending" is not read as known.
        $checks | Where-Object { $_.Passed -and "$($_.Severity)" -eq 'Warning' } | ForEach-Object { Write-Warning "$($_.Name) passed with a warning: $($_.Detail)" }
        # Skipped is not passed, and not failed either: once Complete-ProfileMigration -RemoveArchive removed the old rows
        # the reconciliation cannot run again, ever. The test is reported skipped, with the checks that did not run.
        $skipped = @($checks | Where-Object Skipped | ForEach-Object { "$($_.Name): $($_.Detail)" })
        if ($skipped) {
            Set-ItResult -Skipped -Because "$(@($checks | Where-Object Passed).Count) checks passed, $($skipped.Count) could not run ($($skipped -join ' '))"
        }
    }

    # By State, not UsersNotMigrated: after Complete-ProfileMigration there is no ProfileNew to count users against
    # (UsersNotMigrated is empty, State is Completed), and every user was migrated before the completion could run.
    It 'has every user migrated' {
        $status = Get-ProfileMigrationStatus @database -ErrorAction Stop
        $status.State | Should -BeIn 'Migrated', 'Completed' -Because "$($status.UsersNotMigrated) users of $($status.Server)/$($status.Database) have no ProfileNew yet (run Invoke-ProfileMigration; users the app created since the run are brought over by Sync-ProfileMigration)"
    }

    # The database, the run's mode, id and message, and the command that runs it again: the CI log says which run and
    # what to do (and, with a container per database, which database: so does every failure here).
    It 'has a latest run that completed without errors' {
        $summary = Get-MigrationReport @database -Latest -Kind Summary -ErrorAction Stop
        $run = "the latest run of $($summary.Server)/$($summary.Database) ($($summary.Mode) run $($summary.RunId), started $($summary.StartedAt))"
        $again = @{ Live = 'Invoke-ProfileMigration'; Sync = 'Sync-ProfileMigration'; Complete = 'Complete-ProfileMigration' }[$summary.Mode]
        $message = if ($summary.Message) { ": $($summary.Message)" } else { '' }
        $summary.Status | Should -Be 'Completed' -Because "$run ended $($summary.Status)$message; run $again again"
        $summary.Errors | Should -Be 0 -Because "$run reported $($summary.Errors) errors ($($summary.UsersFailed) users failed): Get-MigrationReport -Latest -Kind Error lists them; fix what they name and run $again again"
    }
}
