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
      Package  Build (Release: with the precompiled copies in Dependencies/<framework>-<platform>, README), then
               Publish-PSResource the module (without .pdb files) to a local folder repository:
               out/packages/Matchmade.<version>.nupkg, which Install-PSResource / Save-PSResource install from
               (Register-PSResourceRepository -Name Local -Uri ./out/packages, or -Repository with that path)
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
                Invoke-Dotnet build src/Matchmade/Matchmade.csproj -c Release
                $manifest = Test-ModuleManifest -Path out/Matchmade/Matchmade.psd1
                # The package holds the module without debug symbols: a copy of out/Matchmade minus *.pdb.
                $staging = Join-Path ([System.IO.Path]::GetTempPath()) "matchmade-package-$PID/Matchmade"
                Remove-Item -Recurse -Force -ErrorAction SilentlyContinue -Path (Split-Path $staging)
                New-Item -ItemType Directory -Force -Path $staging | Out-Null
                Copy-Item -Recurse -Path out/Matchmade/* -Destination $staging
                Get-ChildItem -Recurse -Filter *.pdb -Path $staging | Remove-Item
                $packages = New-Item -ItemType Directory -Force -Path out/packages
                $nupkg = Join-Path $packages "Matchmade.$($manifest.Version).nupkg"
                Remove-Item -Force -ErrorAction SilentlyContinue -Path $nupkg
                # A repository of our own for the publish, under a throwaway name, removed afterwards.
                $repository = "MatchmadeBuild$PID"
                Register-PSResourceRepository -Name $repository -Uri $packages.FullName -Trusted
                try {
                    Publish-PSResource -Path $staging -Repository $repository
                }
                finally {
                    Unregister-PSResourceRepository -Name $repository
                    Remove-Item -Recurse -Force -Path (Split-Path $staging)
                }
                Write-Host "Packaged $nupkg (Install-PSResource / Save-PSResource -Repository <a repository at $($packages.FullName)>)"
            }
        }
    }
}
finally {
    Pop-Location
}
