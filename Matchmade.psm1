# Matchmade's cmdlets are compiled (Matchmade.dll, loaded as a nested module by the manifest); its core and the
# core's dependencies load in a private AssemblyLoadContext from ./Dependencies (see src/Matchmade/Hosting).
# This script module only adds what is better said in PowerShell.

Set-StrictMode -Version 3.0
