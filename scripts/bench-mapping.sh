#!/usr/bin/env bash
# `check` through a mapping against `check` on the reference schema, on the same demo data.
#
#   scripts/bench-mapping.sh [SCHOOLS] [YEARS] [RUNS]     (default: 250 2 3, the 1 GB demo)
#
# Builds the reference demo and the vendor demo of the same seed (`demo --no-run`,
# `--schema vendor`) under /tmp/eqvault-bench-mapping-* (or $BENCH_DIR), runs
# `check --json` on each RUNS times, and prints the medians and their ratio
# (the issue's target: through the mapping <= 1.3x the reference). Set EQVAULT to
# the binary to time (default: target/release/eqvault, else target/debug/eqvault).
# The folder is removed at the end unless KEEP=1.
set -euo pipefail
schools=${1:-250}
years=${2:-2}
runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${EQVAULT:-}
if [ -z "$bin" ]; then
  if [ -x "$here/target/release/eqvault" ]; then bin=$here/target/release/eqvault; else bin=$here/target/debug/eqvault; fi
fi
dir=${BENCH_DIR:-$(mktemp -d /tmp/eqvault-bench-mapping-XXXXXX)}
mkdir -p "$dir"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
as_of=$(TZ=Asia/Ho_Chi_Minh date +%F)

for schema in reference vendor; do
  if [ ! -f "$dir/$schema/equipment.db" ]; then
    t0=$(date +%s.%N)
    "$bin" demo --no-run --schools "$schools" --years "$years" --schema "$schema" --dir "$dir/$schema" >/dev/null
    echo "demo --schema $schema: $(echo "$(date +%s.%N) - $t0" | bc) s, $(du -h "$dir/$schema/equipment.db" | cut -f1)"
  fi
done

# One timed `check --json`; exit 1 (findings) is expected.
timed() {
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  "$bin" check --json --as-of "$as_of" "$@" >/dev/null || rc=$?
  t1=$(date +%s.%N)
  [ "$rc" -le 1 ] || { echo "check failed ($rc): $*" >&2; exit 2; }
  echo "$t1 - $t0" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ref=(); ven=()
for i in $(seq "$runs"); do
  ref+=("$(timed --db "$dir/reference/equipment.db")")
  ven+=("$(timed --db "$dir/vendor/equipment.db" --mapping "$dir/vendor/mapping.sql")")
  printf 'run %s: reference %.2f s, through the mapping %.2f s\n' "$i" "${ref[-1]}" "${ven[-1]}"
done
r=$(printf '%s\n' "${ref[@]}" | median)
v=$(printf '%s\n' "${ven[@]}" | median)
ratio=$(awk -v v="$v" -v r="$r" 'BEGIN { printf "%.2f", v / r }')
verdict=$(awk -v x="$ratio" 'BEGIN { print (x <= 1.3 ? "within" : "above") }')
echo "schools=$schools years=$years runs=$runs binary=$bin"
printf 'median check on the reference schema: %.2f s\n' "$r"
printf 'median check through the mapping:     %.2f s\n' "$v"
echo "ratio (through the mapping / reference): ${ratio}x, $verdict the target of 1.3x"
echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
