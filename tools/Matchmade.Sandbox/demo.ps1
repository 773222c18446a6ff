# The sandbox demo: what a DBA runs, in order, against $env:DATABASE_URL (the throwaway cluster).
# Reports go to a temporary folder so the demo leaves nothing behind in the current directory.
# (Plain .NET calls: the sandbox's engine has only PowerShell's Core cmdlets. Each command goes to Out-Default
# on its own so it gets its own view, as it would typed at a prompt.)
$reports = [System.IO.Directory]::CreateTempSubdirectory('matchmade-demo-').FullName

'== 1. Where the database stands'
Get-ProfileMigrationStatus | Out-Default

'== 2. Dry run (-WhatIf): reads everything in a READ ONLY transaction, writes only the report'
Invoke-ProfileMigration -WhatIf -ReportPath $reports | Out-Default

'== 3. Canary: 100 users'
Invoke-ProfileMigration -MaxUsers 100 -ReportPath $reports -Confirm:$false | Out-Default

'== 4. The rest (users already migrated are skipped)'
Invoke-ProfileMigration -ReportPath $reports -Confirm:$false | Out-Default

'== 5. Where the database stands now'
Get-ProfileMigrationStatus | Out-Default

'== 6. Integrity: the seed''s checks, the schema, Prisma''s history, every user reconciled with the old tables'
$checks = Test-MigrationIntegrity
$checks | Out-Default

'== 7. The report of the full run: summary, and the first conflicts'
$latest = Get-MigrationReport -Latest -Kind Summary
$latest | Out-Default
@(Get-MigrationReport -Path $latest.Path -Kind Conflict)[0..4] | Out-Default

'== 8. The report as a page for people: one self-contained HTML file (charts, verdicts, tables)'
$page = Export-MigrationReport -ReportPath $latest.Path -Path ([System.IO.Path]::Combine($reports, 'migration-report.html')) -IntegrityCheck $checks
$page | Out-Default
"Open it in a browser: $($page.Path)"

'== 9. The transition: the app still writes the old tables (it switches to the new ones in Slice 1b)'
# $app plays the app: every kind of write in turn (blobs edited, set to null or a non-object, Profile rows deleted and
# created, contexts added, deleted, re-dated and re-typed, users signed up and deleted), on its own connection.
$app.Write(39)
"The app wrote the old tables $($app.Done) times; change tracking (installed by the live run) recorded which users changed:"
Get-ProfileMigrationStatus | Select-Object Stage, TrackingStatus, PendingChangedUsers, OldestPendingChangeAge | Out-Default
'Test-MigrationIntegrity fails until they are synced (the checks that say so):'
Test-MigrationIntegrity | Where-Object { -not $_.Passed } | Out-Default

'== 10. Sync: re-merge the changed users from the old tables as they are now (-Continuous would keep following)'
Sync-ProfileMigration -ReportPath $reports -Confirm:$false | Out-Default
'Integrity again: nothing pending, every user reconciled'
Test-MigrationIntegrity | Where-Object Name -in 'PendingChanges', 'Reconciliation', 'NothingLost' | Out-Default

'== 11. Complete (the seed''s cleanup, Slice 1c): the plan first, then the cut-over'
Complete-ProfileMigration -WhatIf | Out-Null
Complete-ProfileMigration -Confirm:$false | Out-Default
Get-ProfileMigrationStatus | Out-Default
'Integrity after the completion: the renamed tables against cleanup.prisma, every user reconciled with the archive'
Test-MigrationIntegrity | Out-Default

'== 12. Undo steps back one stage: to the transition (ProfileNew and the old Profile table again)'
Undo-ProfileMigration -Confirm:$false | Out-Default
'Nothing tracked the app while the schema was completed: tracking starts reset until a full sync reconciles every user'
Get-ProfileMigrationStatus | Select-Object Stage, TrackingStatus | Out-Default
Sync-ProfileMigration -Full -ReportPath $reports -Confirm:$false | Out-Default
Get-ProfileMigrationStatus | Out-Default

"Reports: $reports"
