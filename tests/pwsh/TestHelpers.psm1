# Helpers for the repository's own real-pwsh Pester suites (tests/pwsh/*.Tests.ps1).
# The xunit host that runs the suites (tests/Matchmade.Pester.Tests) sets, for each suite:
#   MATCHMADE_MODULE          absolute path of the built manifest, out/Matchmade/Matchmade.psd1
#   MATCHMADE_TEST_URL        postgresql:// URL (with password) of a fresh database for this suite: the old schema with
#                             the seed's QA users and 1,000 synthetic users, not migrated
#   MATCHMADE_TEST_ADMIN_URL  postgresql:// URL of the cluster's maintenance database (the role may CREATE DATABASE)
#   MATCHMADE_TEST_TEMPLATE   name of a database with the same content as MATCHMADE_TEST_URL's that nobody connects to,
#                             so suites can clone more databases from it
# psql is on PATH wherever the tests run (PostgreSQL's client comes with its server package).

Set-StrictMode -Version 3.0

function Get-TestUrl {
    <# The URL of a database on the test server: the suite's own (no -Database) or another one by name. #>
    param([string] $Database)
    if (-not $Database) { return $env:MATCHMADE_TEST_URL }
    $builder = [System.UriBuilder]::new($env:MATCHMADE_TEST_ADMIN_URL)
    $builder.Path = '/' + $Database
    return $builder.Uri.AbsoluteUri
}

function Invoke-TestSql {
    <# Runs SQL with psql; returns the rows as strings (unaligned, fields separated by '|'). Throws on error. #>
    param(
        [Parameter(Mandatory)] [string] $Sql,
        [string] $Url = $env:MATCHMADE_TEST_URL
    )
    $plain = ([System.UriBuilder]::new($Url)).Uri.GetLeftPart([System.UriPartial]::Path)   # psql does not take ?schema=
    $rows = & psql --no-psqlrc -X -q -At -F '|' -v ON_ERROR_STOP=1 -d $plain -c $Sql 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $rows" }
    return $rows
}

function New-TestDatabase {
    <# A new database cloned from the suite's template (old schema + sample data, not migrated); returns its URL. #>
    param([string] $Prefix = 'pw')
    $name = '{0}_{1}' -f $Prefix, ([guid]::NewGuid().ToString('N').Substring(0, 8))
    Invoke-TestSql -Url $env:MATCHMADE_TEST_ADMIN_URL -Sql "CREATE DATABASE `"$name`" TEMPLATE `"$($env:MATCHMADE_TEST_TEMPLATE)`"" | Out-Null
    return Get-TestUrl -Database $name
}

function Remove-TestDatabase {
    param([Parameter(Mandatory)] [string] $Url)
    $name = ([System.Uri]$Url).AbsolutePath.TrimStart('/')
    Invoke-TestSql -Url $env:MATCHMADE_TEST_ADMIN_URL -Sql "DROP DATABASE IF EXISTS `"$name`" WITH (FORCE)" | Out-Null
}

Export-ModuleMember -Function Get-TestUrl, Invoke-TestSql, New-TestDatabase, Remove-TestDatabase
