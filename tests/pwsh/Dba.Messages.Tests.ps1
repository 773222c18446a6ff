# What a DBA reads when something is off (issue 16, item 9): errors in the module's words with what to do, warnings
# that name what they count, and tab completion that offers what fits.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:MATCHMADE_MODULE -Force -ErrorAction Stop

    function Get-Completion {
        param([string] $Line)
        (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
    }
}

Describe 'A port that does not speak PostgreSQL' {
    BeforeAll {
        # A stand-in for an HTTP or SSH service: it answers every connection with its banner and hangs up.
        $script:listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $script:listener.Start()
        $script:port = $script:listener.LocalEndpoint.Port
        $script:server = [powershell]::Create()
        $null = $script:server.AddScript({
                param($listener)
                $banners = "HTTP/1.1 400 Bad Request`r`nContent-Length: 0`r`n`r`n", "SSH-2.0-OpenSSH_9.6`r`n"
                for ($i = 0; ; $i++) {
                    $client = $listener.AcceptTcpClient()
                    $bytes = [Text.Encoding]::ASCII.GetBytes($banners[$i % 2])
                    $client.GetStream().Write($bytes, 0, $bytes.Length)
                    Start-Sleep -Milliseconds 100
                    $client.Close()
                }
            }).AddArgument($script:listener)
        $script:serving = $script:server.BeginInvoke()
    }

    AfterAll {
        $script:listener.Stop()
        $script:server.Stop()
        $script:server.Dispose()
    }

    It 'says so, with its own error id, whatever the sslmode (<ssl>, banner <n>)' -ForEach @(
        @{ ssl = ''; n = 1 }, @{ ssl = ''; n = 2 }, @{ ssl = '?sslmode=disable'; n = 1 }, @{ ssl = '?sslmode=disable'; n = 2 }
    ) {
        Get-ProfileMigrationStatus -ConnectionString "postgresql://dba:pw@127.0.0.1:$($script:port)/app$ssl" -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'NotPostgreSQL,*'
        $failed[0].Exception.Message | Should -Match 'does not speak PostgreSQL'
        $failed[0].Exception.Message | Should -Not -Match 'sslmode|read past the end'
    }
}

Describe 'Errors in the module''s words' {
    It 'names an unknown keyword instead of the driver''s text' {
        Get-ProfileMigrationStatus -ConnectionString 'Hots=db.internal;Database=app' -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidConnectionString,*'
        $failed[0].Exception.Message | Should -Match "'hots' is not a keyword"
        $failed[0].Exception.Message | Should -Not -Match "Couldn't set|\(Parameter"
    }

    It 'says what a malformed string is instead of "starting at index 0"' {
        Get-ProfileMigrationStatus -ConnectionString 'db.internal' -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].Exception.Message | Should -Not -Match 'index 0|initialization string'
        $failed[0].Exception.Message | Should -Match 'keyword=value'
    }

    It 'fills RecommendedAction with what to do' {
        Get-ProfileMigrationStatus -ConnectionString (Get-TestUrl -Database 'dba_no_such_db') -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].ErrorDetails.RecommendedAction | Should -Be 'Check the database name in the connection string.'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Warnings that name what they count' {
    BeforeAll {
        $script:url = New-TestDatabase -Prefix 'msg'
    }

    AfterAll {
        Remove-TestDatabase -Url $script:url
    }

    It 'names the given user ids that do not exist' {
        $real = Invoke-TestSql -Url $script:url -Sql 'SELECT id FROM "User" ORDER BY id LIMIT 1'
        $null = Invoke-ProfileMigration -ConnectionString $script:url -UserId $real, 'user_typo' -WhatIf -ReportPath $TestDrive -WarningVariable warned -WarningAction SilentlyContinue
        $warned.Message | Should -Contain ($warned.Message | Where-Object { $_ -match "^1 of the 2 given user ids does not exist in public\.`"User`": 'user_typo'\." })
        ($warned.Message | Where-Object { $_ -match 'user_typo' }) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Tab completion' {
    BeforeAll {
        $script:url = Get-TestUrl
        Invoke-TestSql -Sql 'CREATE SCHEMA IF NOT EXISTS tenant_b' | Out-Null
    }

    It 'does not offer a check already given' {
        $offered = Get-Completion 'Test-MigrationIntegrity -Check Reconciliation, '
        $offered | Should -Contain 'NothingLost'
        $offered | Should -Not -Contain 'Reconciliation'
    }

    It 'offers the database''s schemas for -Schema, the app''s first' {
        $offered = Get-Completion "Get-ProfileMigrationStatus -ConnectionString '$($script:url)' -Schema "
        $offered[0] | Should -Be 'public'
        $offered | Should -Contain 'tenant_b'
        $offered | Should -Not -Contain 'pg_catalog'
        $offered | Should -Not -Contain 'matchmade'   # the module's own schema is never the app's
    }

    It 'offers nothing (not file names) for -UserId' {
        Push-Location $TestDrive
        try {
            New-Item -ItemType File -Path 'some-file.txt' | Out-Null
            Get-Completion 'Invoke-ProfileMigration -UserId ' | Should -BeNullOrEmpty
            Get-Completion 'Test-MigrationIntegrity -UserId s' | Should -BeNullOrEmpty
        }
        finally {
            Pop-Location
        }
    }
}
