#!/usr/bin/env bash
# Benchmark: `eqvault report` against `eqvault check` on the ~1 GB demo
# database. The report runs the check for its period plus the statistics
# (one pass over each table it needs) and hashes the database file, so
# issue 6 asks for it to take no more than 1.5x the time of `check`.
#
#   scripts/bench-report.sh                        # SCHOOLS=250 YEARS=2 (~1 GB), RUNS=3
#   DB=/path/equipment.db scripts/bench-report.sh  # any database in the reference schema
#   SCHOOLS=20 RUNS=1 scripts/bench-report.sh      # quick look
#
# The database: $DB when given; else the demo database scripts/bench-check.sh
# left in $BENCH_CHECK_DIR/s$SCHOOLS-y$YEARS (when `eqvault demo` made it: its
# folder has an eqvault.toml); else `eqvault demo --no-run` makes one in
# $BENCH_DIR. It is only read. AS_OF defaults to the last day of the usage
# book. Measured, best and median of RUNS, wall and CPU (user + sys) seconds:
#   check   `check --json --db DB --as-of AS_OF` (the whole history, as bench-check.sh)
#   report  `report --format html|json|xlsx` for the default period (the school
#           year of AS_OF, up to AS_OF) and for the whole school year before it.
# The machine should be otherwise idle: both commands use every core.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
BASE=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-report}
CHECK_BASE=${BENCH_CHECK_DIR:-${TMPDIR:-/tmp}/eqvault-bench-check}

need=()
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --locked -q
EQ=${CARGO_TARGET_DIR:-$PWD/target}/release/eqvault

if [ -z "${DB:-}" ]; then
  if [ -f "$CHECK_BASE/s$SCHOOLS-y$YEARS/equipment.db" ] && [ -f "$CHECK_BASE/s$SCHOOLS-y$YEARS/eqvault.toml" ]; then
    DB=$CHECK_BASE/s$SCHOOLS-y$YEARS/equipment.db
  else
    DIR=$BASE/demo-s$SCHOOLS-y$YEARS
    if [ ! -f "$DIR/equipment.db" ]; then
      echo "generating with eqvault demo ($SCHOOLS schools, $YEARS years) in $DIR ..." >&2
      "$EQ" demo --dir "$DIR" --schools "$SCHOOLS" --years "$YEARS" --no-run >&2
    fi
    DB=$DIR/equipment.db
  fi
fi
AS_OF=${AS_OF:-$(sqlite3 "$DB" "SELECT max(used_on) FROM equipment_usage")}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/eqvault-bench-report-out.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# Warm the page cache so every command reads from memory.
cat "$DB" >/dev/null

# One measurement: "wall cpu peak-RSS-KiB".
# Exit 1 (violations found) is a normal outcome of both commands; 2 is not.
measure() {
  local t rc=0
  t=$(mktemp)
  /usr/bin/time -o "$t" -f '%e %U %S %M' "$@" >/dev/null 2>"$OUT/stderr" || rc=$?
  if [ "$rc" -gt 1 ]; then
    echo "failed (exit $rc): $*" >&2; cat "$OUT/stderr" >&2; rm -f "$t"; exit 2
  fi
  tail -1 "$t" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }'
  rm -f "$t"
}

# best-of RUNS: "best-wall median-wall best-cpu max-rss"
bench() {
  local walls=() cpus=() rss=0 w c r
  for _ in $(seq "$RUNS"); do
    read -r w c r < <(measure "$@")
    walls+=("$w"); cpus+=("$c")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  local ws cs
  ws=$(printf '%s\n' "${walls[@]}" | sort -g)
  cs=$(printf '%s\n' "${cpus[@]}" | sort -g)
  echo "$(echo "$ws" | head -1) $(echo "$ws" | sed -n "$(( (RUNS + 1) / 2 ))p") $(echo "$cs" | head -1) $rss"
}

PERIOD=$("$EQ" --json report --db "$DB" --as-of "$AS_OF" --format json --out "$OUT/probe.json" 2>/dev/null |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["period"].split("/")[0])' || true)
Y1=${PERIOD%%-*}
PREV="$((Y1 - 1))-$Y1"

echo "database: $DB ($(du -h "$DB" | cut -f1)), as of $AS_OF, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rows: $(sqlite3 "$DB" "SELECT (SELECT count(*) FROM equipment_changes) || ' changes, ' || (SELECT count(*) FROM equipment_usage) || ' uses, ' || (SELECT count(*) FROM equipment) || ' items'")"
printf '%-52s %8s %8s %8s %9s %7s\n' "" "best s" "median s" "cpu s" "peak RSS" "ratio"
read -r C_BEST C_MED C_CPU C_RSS < <(bench "$EQ" check --json --as-of "$AS_OF" --db "$DB")
printf '%-52s %8s %8s %8s %6d MB %7s\n' "check --json (whole history)" "$C_BEST" "$C_MED" "$C_CPU" $((C_RSS / 1024)) "1.00"
WORST=0
row() {
  local label=$1; shift
  local b m c r
  read -r b m c r < <(bench "$@")
  local ratio
  ratio=$(python3 -c "print(f'{$b / $C_BEST:.2f}')")
  printf '%-52s %8s %8s %8s %6d MB %7s\n' "$label" "$b" "$m" "$c" $((r / 1024)) "$ratio"
  WORST=$(python3 -c "print(max($WORST, $ratio))")
}
for f in html json xlsx; do
  row "report --format $f ($PERIOD up to $AS_OF)" "$EQ" report --db "$DB" --as-of "$AS_OF" --format "$f" --out "$OUT/r.$f" --force
done
row "report --format html --period $PREV (whole year)" "$EQ" report --db "$DB" --as-of "$AS_OF" --period "$PREV" --format html --out "$OUT/prev.html" --force
python3 - "$WORST" <<'PY'
import sys
worst = float(sys.argv[1])
print(f"report / check (worst of the rows above) = {worst:.2f} (target <= 1.5): {'ok' if worst <= 1.5 else 'MISSED'}")
PY
