using System.Diagnostics;
using System.Runtime.InteropServices;
using Matchmade.Fixtures;

namespace Matchmade.Sandbox;

/// <summary>
/// -Shell: real pwsh (the PowerShell tool restored from NuGet) on this console, with the module imported and
/// $env:DATABASE_URL pointing at the throwaway cluster; with -Command/-File it runs that instead of an interactive
/// shell. MATCHMADE_MODULE, when set, names the manifest to import (CI points it at an installed copy).
/// </summary>
internal static class RealShell
{
    private const string Banner = """
        Write-Host "Matchmade $((Get-Module Matchmade).Version) from $((Get-Module Matchmade).ModuleBase), pwsh $($PSVersionTable.PSVersion)"
        Write-Host '$env:DATABASE_URL points at a throwaway PostgreSQL with sample data (removed when you exit). Try:'
        Write-Host '  Get-ProfileMigrationStatus'
        Write-Host '  Invoke-ProfileMigration -WhatIf'
        Write-Host '  Invoke-ProfileMigration -MaxUsers 100'
        Write-Host '  Invoke-ProfileMigration'
        Write-Host '  Test-MigrationIntegrity'
        Write-Host '  Get-MigrationReport -Latest -Kind Conflict | Select-Object -First 10'
        Write-Host '  Get-Help about_Matchmade'
        Write-Host 'exit leaves the shell and removes the cluster.'
        """;

    public static int Run(string manifest, string databaseUrl, string? script)
    {
        var module = Environment.GetEnvironmentVariable("MATCHMADE_MODULE") is { Length: > 0 } configured ? configured : manifest;
        const string import = "$ErrorActionPreference = 'Stop'; Import-Module -Name $env:MATCHMADE_MODULE; $ErrorActionPreference = 'Continue'";
        IEnumerable<string> arguments = script is null
            ? ["-NoExit", "-Command", import + "\n" + Banner]
            : ["-NonInteractive", "-Command", import + "\n" + script];
        var info = Pwsh.StartInfo(arguments, console: true);
        info.Environment["DATABASE_URL"] = databaseUrl;
        info.Environment["MATCHMADE_MODULE"] = module;

        // Ctrl+C belongs to the shell (it stops the command running there); this process waits, then removes the cluster.
        // A POSIX signal registration, not Console.CancelKeyPress: that one sets up .NET's console on this terminal,
        // whose settings then fight pwsh's line editor for the same terminal.
        using var keep = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var process = Process.Start(info)!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
