# Runs one Pester suite the way a CI does (a configuration object, NUnit XML results) and prints the closing line.
# The xunit host (PesterHost.cs) reads the XML and the 'pester-counts:' line. -DataJson (a JSON object) runs the suite
# as a container with that data, as New-PesterContainer -Path … -Data @{ … } does.
param(
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $ResultPath,
    [string] $DataJson
)

$ErrorActionPreference = 'Stop'
Import-Module -Name Pester -MinimumVersion 5.7.1
$config = New-PesterConfiguration
if ($DataJson) {
    $config.Run.Container = New-PesterContainer -Path $Path -Data (ConvertFrom-Json -InputObject $DataJson -AsHashtable)
}
else {
    $config.Run.Path = $Path
}
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
