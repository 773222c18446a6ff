#!/usr/bin/env bash
# Load-independent cost of change tracking's trigger per app write (docs/performance.md, "Where the trigger's time
# goes"), for a shared machine where wall-clock latency is noise:
# - WAL records, bytes and full-page images per write (pg_stat_wal deltas) of W single-row
#   `UPDATE "Profile" SET data = …` commits, each its own transaction, on one connection, after W untimed ones, with
#   full_page_writes off: the WAL records a write adds, without the images of pages first touched after a
#   checkpoint (one per page per checkpoint, which made the figures depend on the page layout);
# - instructions per write: callgrind on a single-user backend (nothing else in the process; synchronous_commit off,
#   so only CPU counts) committing N and 3N such writes, the difference / 2N (start-up and shut-down cancel out).
# With no trigger, the shipped tracking (src/Matchmade.Core/Tracking/Sql), and each variant: a SQL file applied after
# the shipped install (schema matchmade, app schema public). A throwaway cluster as the postgres OS user; Linux only.
# -k DIR keeps each variant's callgrind outputs there (DIR/<variant>.N.out and .3N.out: callgrind_annotate
# --inclusive=yes of both, the difference per function / 2N, says where a write's instructions go).
# Usage: tools/trigger-cost/trigger-cost.sh [-w WAL_WRITES] [-c CALLGRIND_WRITES] [-u USERS] [-k DIR] [variant.sql ...]
set -euo pipefail
writes=3000 users=2000 cycles=300 keep=
while getopts "w:u:c:k:" o; do case $o in w) writes=$OPTARG;; u) users=$OPTARG;; c) cycles=$OPTARG;; k) keep=$(realpath "$OPTARG");; *) exit 2;; esac; done
shift $((OPTIND - 1))
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd); sql=$repo/src/Matchmade.Core/Tracking/Sql
dir=$(mktemp -d /tmp/trigger-cost.XXXXXX); chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { runuser -u postgres -- "$@"; }
start() { as_pg pg_ctl -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c checkpoint_timeout=1h -c max_wal_size=10GB -c full_page_writes=off" start >/dev/null; }
as_pg initdb -D "$dir/data" -A trust >/dev/null
start
trap 'as_pg pg_ctl -D "$dir/data" stop -m fast >/dev/null 2>&1; rm -rf "$dir"' EXIT
q() { psql -h "$dir" -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
q -f "$repo/tools/Matchmade.Fixtures/source.sql" >/dev/null 2>&1
q <<SQL
INSERT INTO "User" SELECT 'u' || i, 'u' || i || '@x', now(), now() FROM generate_series(1, $users) i;
INSERT INTO "ContextProfile" SELECT 'c' || i, 'u' || i, 'romantic', now(), now() FROM generate_series(1, $users) i;
INSERT INTO "Profile" SELECT 'p' || i, 'c' || i, '{"bio": "x"}', now(), now() FROM generate_series(1, $users) i;
VACUUM ANALYZE;
SQL

# $1 writes with tag $2, one statement a line (a single-user backend commits each line).
updates() {
    local i
    for ((i = 0; i < $1; i++)); do
        printf 'UPDATE "Profile" SET data = '"'"'{"bio": "%s %d"}'"'"' WHERE id = '"'"'p%d'"'"';\n' "$2" "$i" $((i % users + 1))
    done
}
{
    updates "$writes" warm
    echo 'SELECT pg_stat_force_next_flush() \g /dev/null'
    echo 'SELECT wal_records AS r0, wal_bytes AS b0, wal_fpi AS f0 FROM pg_stat_wal \gset'
    updates "$writes" edit
    echo 'SELECT pg_stat_force_next_flush() \g /dev/null'
    echo 'SELECT wal_records - :r0, wal_bytes - :b0, wal_fpi - :f0 FROM pg_stat_wal'
} > "$dir/writes.sql"

single() {
    updates "$1" "$2" > "$dir/single.sql"
    as_pg valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" postgres --single -D "$dir/data" -c synchronous_commit=off postgres < "$dir/single.sql" >/dev/null 2>&1
    callgrind_annotate "$dir/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
    if [[ -n $keep ]]; then mkdir -p "$keep"; mv "$dir/cg.out" "$keep/$3.out"; fi
    rm -f "$dir/cg.out"
}

measure() {
    local records bytes fpi small big
    IFS='|' read -r records bytes fpi < <(q -t -A -f "$dir/writes.sql" | tail -1)
    as_pg pg_ctl -D "$dir/data" stop -m fast >/dev/null
    small=$(single "$cycles" small "$1.N"); big=$(single $((3 * cycles)) big "$1.3N")
    start
    printf '%-24s %10.2f %12.1f %6s %16.0f\n' "$1" "$(bc -l <<<"$records/$writes")" "$(bc -l <<<"$bytes/$writes")" "$fpi" "$(bc -l <<<"($big - $small)/(2*$cycles)")"
}

install() {
    local t file
    q -c "DROP SCHEMA IF EXISTS matchmade CASCADE" >/dev/null 2>&1
    sed 's/{state}/matchmade/g; s/{app}/public/g' "$sql/tracking-install.sql" | q >/dev/null
    q -c "ALTER SEQUENCE matchmade.changed_user_seq_seq CACHE 32" >/dev/null # as ChangeTracking.Install does
    for t in User:record_user_change ContextProfile:record_context_profile_change Profile:record_profile_change; do
        sed "s/{state}/matchmade/g; s/{app}/public/g; s/{table}/\"${t%%:*}\"/g; s/{function}/${t#*:}/g" "$sql/tracking-trigger-row.sql" | q >/dev/null
        sed "s/{state}/matchmade/g; s/{app}/public/g; s/{table}/\"${t%%:*}\"/g; s/{function}/record_truncate/g" "$sql/tracking-trigger-truncate.sql" | q >/dev/null
    done
}

printf '%-24s %10s %12s %6s %16s\n' variant "WAL rec/w" "WAL bytes/w" "FPIs" "instructions/w"
measure none
install; measure shipped
for v in "$@"; do install; q -f "$v" >/dev/null; measure "$(basename "$v" .sql)"; done
