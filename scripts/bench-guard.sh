#!/usr/bin/env bash
# Benchmark: what the deletion guard (issue 32) costs a backup, on the same
# ~1 GB demo database as bench-backup.sh. The guard runs only when there is a
# previous snapshot (and a ledger): after one first backup, RUNS backups with
# `[guard] enabled = true` and RUNS with it off alternate, into the same
# store, each measured whole (wall time, peak RSS); the guard's own time is
# also read from its log line ("deletion guard done").
#
#   scripts/bench-guard.sh               # SCHOOLS=250 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-guard.sh   # quick look
#
# Target: the guard costs the backup under 3 % of its time.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-$SCHOOLS}
. scripts/bench-common.sh
bench_setup age zstd sqlite3

rm -rf "$DIR/guard-store" "$DIR/.bench-state" && mkdir -p "$DIR/guard-store"
bench_config "$DIR/guard-on.toml" guard-store quick
cp "$DIR/guard-on.toml" "$DIR/guard-off.toml"
printf '[guard]\nenabled = false\n' >> "$DIR/guard-off.toml"
"$EQ" --config "$DIR/guard-on.toml" store add "$DIR/guard-store" >/dev/null
"$EQ" --config "$DIR/guard-on.toml" backup >/dev/null 2>&1   # the previous snapshot and the ledger

on=() off=() own=()
for _ in $(seq "$RUNS"); do
  on+=("$(cd "$DIR" && measure "$EQ" -v --config guard-on.toml backup)")
  own+=("$(grep -o 'seconds=[0-9.]*[^ ]* tripped=false' "$DIR/stderr.log" | head -1 | sed 's/seconds=\([0-9.]*\).*/\1/')")
  off+=("$(cd "$DIR" && measure "$EQ" -v --config guard-off.toml backup)")
done
read -r on_best on_med on_rss <<<"$(printf '%s\n' "${on[@]}" | stats)"
read -r off_best off_med off_rss <<<"$(printf '%s\n' "${off[@]}" | stats)"
guard_med=$(printf '%s\n' "${own[@]}" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
echo "database: $(du -h "$DB" | cut -f1), $RUNS runs each"
echo "backup, guard on:   best ${on_best} s, median ${on_med} s, peak ${on_rss} MB"
echo "backup, guard off:  best ${off_best} s, median ${off_med} s, peak ${off_rss} MB"
echo "the guard's own time (its log line), median: ${guard_med} s = $(echo "scale=2; 100*$guard_med/$on_med" | bc -l) % of the backup"
echo "ratio of medians on/off: $(ratio "$on_med" "$off_med")"
