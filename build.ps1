#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and packages the Matchmade module (for people who have pwsh; the same as the dotnet commands).

.DESCRIPTION
    Every task calls the same dotnet commands README.md documents, so this script is never the only way:
      Build    dotnet build -c <Configuration>       -> out/Matchmade (importable module folder)
      Test     dotnet test -c <Configuration>        (starts throwaway PostgreSQL clusters; needs PostgreSQL's server package)
      Demo     dotnet run --project tools/Matchmade.Sandbox
      Benchmark dotnet run -c Release --project benchmarks/Matchmade.Benchmarks   (100,000 users; see README)
      Torture  dotnet run -c Release --project tools/Matchmade.Torture            (50 interruptions; see docs/reliability.md)
      Package  Build, then zip out/Matchmade into out/Matchmade-<version>.zip
      Clean    remove out/ and every bin/ and obj/

.EXAMPLE
    ./build.ps1
    Builds the module; then: Import-Module ./out/Matchmade/Matchmade.psd1

.EXAMPLE
    ./build.ps1 -Task Build, Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Benchmark', 'Torture', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Push-Location $PSScriptRoot
try {
    function Invoke-Dotnet {
        Write-Host "dotnet $($args -join ' ')" -ForegroundColor Cyan
        & dotnet @args
        if ($LASTEXITCODE -ne 0) { throw "dotnet $($args[0]) failed with exit code $LASTEXITCODE" }
    }

    foreach ($t in $Task) {
        switch ($t) {
            'Clean' {
                Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -Path out
                Get-ChildItem -Directory -Recurse -Include bin, obj -Path src, tests, tools, benchmarks |
                    Remove-Item -Recurse -Force
            }
            'Build' { Invoke-Dotnet build -c $Configuration }
            'Test' { Invoke-Dotnet test -c $Configuration }
            'Demo' { Invoke-Dotnet run --project tools/Matchmade.Sandbox -c $Configuration }
            'Benchmark' { Invoke-Dotnet run -c Release --project benchmarks/Matchmade.Benchmarks }
            'Torture' { Invoke-Dotnet run -c Release --project tools/Matchmade.Torture }
            'Package' {
                Invoke-Dotnet build -c $Configuration
                $version = (Import-PowerShellDataFile -Path out/Matchmade/Matchmade.psd1).ModuleVersion
                $zip = "out/Matchmade-$version.zip"
                Compress-Archive -Path out/Matchmade -DestinationPath $zip -Force
                Write-Host "Packaged $zip"
            }
        }
    }
}
finally {
    Pop-Location
}
