<#
    CI: install the module from the package build.ps1 made (out/packages/Matchmade.<version>.nupkg) into a fresh
    folder with Save-PSResource, import that copy and show it works (Get-Command, Get-Help). Prints the installed
    manifest's path last, for the next step (Get-ProfileMigrationStatus against a throwaway cluster).
#>
param([Parameter(Mandatory)] [string] $Destination)

$ErrorActionPreference = 'Stop'
$packages = Join-Path $PSScriptRoot '../out/packages' | Resolve-Path
$repository = "MatchmadeCi$PID"
Register-PSResourceRepository -Name $repository -Uri $packages.Path -Trusted
try {
    New-Item -ItemType Directory -Force -Path $Destination | Out-Null
    Save-PSResource -Name Matchmade -Repository $repository -Path $Destination -TrustRepository -PassThru |
        Format-Table Name, Version, Repository -AutoSize | Out-String -Width 120 | Write-Host
}
finally {
    Unregister-PSResourceRepository -Name $repository
}

$manifest = Get-ChildItem -Path $Destination -Recurse -Filter Matchmade.psd1 | Select-Object -First 1
Test-ModuleManifest -Path $manifest.FullName | Format-Table Name, Version, ModuleBase -AutoSize | Out-String -Width 200 | Write-Host
if (Get-ChildItem -Path $manifest.Directory -Recurse -Filter *.pdb) { throw 'the package holds .pdb files' }
Import-Module -Name $manifest.FullName
Get-Command -Module Matchmade | Format-Table CommandType, Name, Version -AutoSize | Out-String -Width 120 | Write-Host
Write-Host (Get-Help Get-ProfileMigrationStatus).Synopsis
$manifest.FullName
