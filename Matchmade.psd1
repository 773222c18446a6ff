@{
    # The one version number: the build reads it from here and stamps it on every assembly.
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0f3c7e-8f55-4c1e-9a3b-2f6f1c9d7a41'
    RootModule           = 'Matchmade.psm1'
    NestedModules        = @('Matchmade.dll')
    Author               = 'Matchmade'
    CompanyName          = 'Matchmade'
    Copyright            = '(c) Matchmade. All rights reserved.'
    Description          = 'Migrates a Prisma app''s PostgreSQL database from per-context profile blobs to ProfileNew + ContextIntent, verifies it, reports on it and rolls it back.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Matchmade.format.ps1xml')
    CmdletsToExport      = @(
        'Get-ProfileMigrationStatus'
        'Invoke-ProfileMigration'
        'Sync-ProfileMigration'
        'Complete-ProfileMigration'
        'Test-MigrationIntegrity'
        'Get-MigrationReport'
        'Export-MigrationReport'
        'Undo-ProfileMigration'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # ProjectUri/LicenseUri: the repository's public address is not settled; set them before publishing to
            # the PowerShell Gallery (the local package build does not depend on them).
            Tags         = @('PostgreSQL', 'Prisma', 'Migration', 'Npgsql', 'DBA', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri   = 'https://github.com/matchmade/matchmade'
            LicenseUri   = 'https://github.com/matchmade/matchmade/blob/main/LICENSE'
            ReleaseNotes = 'First release: Get-ProfileMigrationStatus, Invoke-ProfileMigration (dry run, canary, batches, -ThrottleLimit, Ctrl+C after the current batch), Test-MigrationIntegrity, Get-MigrationReport, Undo-ProfileMigration.'
        }
    }
}
