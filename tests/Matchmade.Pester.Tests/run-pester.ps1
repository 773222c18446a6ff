# Runs one Pester suite the way a CI does (a configuration object, NUnit XML results) and prints the closing line.
# The xunit host (PesterHost.cs) reads the XML and the 'pester-counts:' line.
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultPath
)

$ErrorActionPreference = 'Stop'
Import-Module -Name Pester -MinimumVersion 5.7.1
$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = $ResultPath
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
"pester-counts: passed=$($result.PassedCount) failed=$($result.FailedCount) failedBlocks=$($result.FailedBlocksCount) failedContainers=$($result.FailedContainersCount) skipped=$($result.SkippedCount)"
"pester: $($result.PassedCount) passed, $failed failed"
exit [int]($failed -gt 0)
