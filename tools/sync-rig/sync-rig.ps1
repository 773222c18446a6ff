# Times Sync-ProfileMigration of N changed users on a kept benchmark database, warm, several times, in one pwsh process.
#   dotnet run -c Release --project benchmarks/Matchmade.Benchmarks -- -Users 1000000 -LoadOnly -Keep -NoSave
#   (then Invoke-ProfileMigration once on it), and with $env:URL (psql URL) and $env:CS (connection string) set:
#   dotnet tool run pwsh -NoProfile -File tools/sync-rig/sync-rig.ps1 -Edit mapped|unmapped|bench [-Module out/Matchmade] [-Runs 5]
#     [-WarmUps 3] [-JitDetail]
# -Edit mapped changes two shared fields of every blob of the users (their new rows differ); unmapped adds a key the
# rules do not map (their new rows come out the same); bench replaces about 55 % of the blobs as the benchmark's app
# writes do, then adds that key to every blob. Prints each run's seconds and the medians (time, CPU, WAL), and the
# client's JIT per run (JitInfo: compilation time on every thread, methods compiled). -WarmUps 0 makes the first timed
# sync the process's first, as a runbook step in a fresh pwsh is; -JitDetail lists each run's compiled methods by
# namespace and tier, and the slowest (JitWatch.cs: the runtime's JIT events).
# Needs at least 550,000 users (each warm-up sync edits 10,000 users from the 510,000th on; more with -WarmUps above 3).
param([string]$Module = "$PSScriptRoot/../../out/Matchmade", [int]$Users = 10000, [string]$Edit = "unmapped", [int]$BatchSize = 5000, [int]$Runs = 5, [int]$WarmUps = 3, [switch]$JitDetail)
$url = $env:URL; $cs = $env:CS
Import-Module "$Module/Matchmade.psd1"
function Edit-Users([int]$n, [int]$offset, [string]$kind) {
  if ($kind -eq 'bench') {
    # As the benchmark: about 55 % of the users' blobs replaced as its app writes do (20,000 writes drawn over their
    # blobs), then every blob given an unmapped key.
    psql $url -q -c "UPDATE ""Profile"" p SET data = jsonb_build_object('name', 'Bench ' || (random() * 20000)::int, 'location', 'City ' || (random() * 1000)::int, 'coreValues', jsonb_build_array('honesty', 'v' || (random() * 13)::int), 'relationshipTimeline', 'soon'), ""updatedAt"" = now() FROM ""ContextProfile"" cp WHERE cp.id = p.""contextProfileId"" AND random() < 0.55 AND cp.""userId"" IN (SELECT DISTINCT cp.""userId"" FROM ""ContextProfile"" cp JOIN ""Profile"" p ON p.""contextProfileId"" = cp.id ORDER BY 1 OFFSET $offset LIMIT $n)"
    $kind = 'unmapped'
  }
  $set = if ($kind -eq 'unmapped') { "CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}'::jsonb END || jsonb_build_object('benchmarkSync', clock_timestamp()::text)" }
         else { "CASE WHEN jsonb_typeof(p.data) = 'object' THEN p.data ELSE '{}'::jsonb END || jsonb_build_object('name', 'N' || clock_timestamp()::text, 'location', 'L' || clock_timestamp()::text)" }
  psql $url -q -c "UPDATE ""Profile"" p SET data = $set, ""updatedAt"" = now() FROM ""ContextProfile"" cp WHERE cp.id = p.""contextProfileId"" AND cp.""userId"" IN (SELECT DISTINCT cp.""userId"" FROM ""ContextProfile"" cp JOIN ""Profile"" p ON p.""contextProfileId"" = cp.id ORDER BY 1 OFFSET $offset LIMIT $n)" -c 'VACUUM "Profile"' -c 'CHECKPOINT'
}
function Busy { $f = (Get-Content /proc/stat -TotalCount 1) -split '\s+'; ([long]$f[1] + [long]$f[2] + [long]$f[3] + [long]$f[6] + [long]$f[7]) / 100.0 }
$watch = if ($JitDetail) { Add-Type -Path "$PSScriptRoot/JitWatch.cs" -ReferencedAssemblies System.Diagnostics.Tracing, System.Collections.Concurrent, System.Collections, System.Linq; [JitWatch]::new() }
if ($WarmUps -gt 0) { foreach ($w in 1..$WarmUps) { Edit-Users 10000 (500000 + 10000 * $w) 'mapped'; $null = Sync-ProfileMigration -ConnectionString $cs -Confirm:$false } }
$res = foreach ($i in 1..$Runs) {
  Edit-Users $Users 0 $Edit
  $w0 = [long](psql $url -Atc 'SELECT wal_records FROM pg_stat_wal')
  $c0 = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds; $b0 = Busy
  $j0 = [System.Runtime.JitInfo]::GetCompilationTime().TotalSeconds; $m0 = [System.Runtime.JitInfo]::GetCompiledMethodCount()
  if ($watch) { $watch.Start() }
  $r = Sync-ProfileMigration -ConnectionString $cs -BatchSize $BatchSize -Confirm:$false
  if ($watch) { $watch.Stop() }
  $cc = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalSeconds - $c0; $bb = (Busy) - $b0
  $jit = [System.Runtime.JitInfo]::GetCompilationTime().TotalSeconds - $j0; $methods = [System.Runtime.JitInfo]::GetCompiledMethodCount() - $m0
  Write-Host ("run {0}: {1:N3} s, client cpu {2:N2} s of which JIT {3:N2} s ({4:N0} methods), machine busy {5:N2} s" -f $i, $r.Duration.TotalSeconds, $cc, $jit, $methods, $bb)
  if ($watch) { Write-Host $watch.Summary(20) }
  $wal = [long](psql $url -Atc 'SELECT wal_records FROM pg_stat_wal') - $w0
  [pscustomobject]@{ s = $r.Duration.TotalSeconds; client = $cc; jit = $jit; busy = $bb; n = $r.UsersResynced + $r.UsersCreated; wal = $wal }
}
# The middle run ([int] rounds half to even: [int](3/2) is 2, the slowest of three; Floor gives 1).
$mid = [int][math]::Floor($Runs / 2)
$sorted = $res | Sort-Object s
"{0} {1} -BatchSize {7}: runs s = {2}; median {3:N3} s = {4:N0} u/s; median client cpu {5:N2} s (JIT {9:N2} s), machine busy {6:N2} s; WAL records per sync (median) {8:N0}" -f $Edit, $Module, (($res | % { '{0:N2}' -f $_.s }) -join ' '), $sorted[$mid].s, ($sorted[$mid].n / $sorted[$mid].s), (($res | Sort-Object client)[$mid].client), (($res | Sort-Object busy)[$mid].busy), $BatchSize, (($res | Sort-Object wal)[$mid].wal), (($res | Sort-Object jit)[$mid].jit)
