# The sandbox demo: what a DBA runs, in order, against $env:DATABASE_URL (the throwaway cluster).
# Reports go to a temporary folder so the demo leaves nothing behind in the current directory.
# (Plain .NET calls: the sandbox's engine has only PowerShell's Core cmdlets.)
$reports = [System.IO.Directory]::CreateTempSubdirectory('matchmade-demo-').FullName

'== 1. Where the database stands'
Get-ProfileMigrationStatus

'== 2. Dry run (-WhatIf): reads everything in a READ ONLY transaction, writes only the report'
Invoke-ProfileMigration -WhatIf -ReportPath $reports

'== 3. Canary: 100 users'
Invoke-ProfileMigration -MaxUsers 100 -ReportPath $reports -Confirm:$false

'== 4. The rest (users already migrated are skipped)'
Invoke-ProfileMigration -ReportPath $reports -Confirm:$false

'== 5. Where the database stands now'
Get-ProfileMigrationStatus

"Reports: $reports"
