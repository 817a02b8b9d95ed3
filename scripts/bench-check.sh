#!/usr/bin/env bash
# Benchmark: `eqvault check --db` against the sqlite3 tool reading every row
# of the tables the rules read, on the ~1 GB demo database (millions of
# change and usage rows); and check's peak memory on half and full size, to
# show it does not grow with the row count.
#
#   scripts/bench-check.sh                      # SCHOOLS=250 YEARS=2 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-check.sh    # quick look
#   GENERATOR=python scripts/bench-check.sh     # skip `eqvault demo`, use the built-in generator
#
# The database comes from `eqvault demo --dir DIR --schools N --years N`
# when the binary has the demo command; otherwise (or with
# GENERATOR=python) this script generates one in the reference schema with
# Python's sqlite3 module: N schools, ~6,000 change rows and ~12,000 usage
# rows per school and year, a few percent of them late.
#
# Targets (issue 4): check within 2x of sqlite3's time; check's peak RSS the
# same (within a few MB) on the half-size and the full-size database.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
GENERATOR=${GENERATOR:-auto}
BASE=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-check}

need=()
command -v sqlite3 >/dev/null || need+=(sqlite3)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --locked -q
EQ=${CARGO_TARGET_DIR:-$PWD/target}/release/eqvault
SCHEMA=$PWD/schema/equipment.sql

# generate DIR SCHOOLS YEARS: a database in DIR/equipment.db.
generate() {
  local dir=$1 schools=$2 years=$3
  mkdir -p "$dir"
  [ -f "$dir/equipment.db" ] && return 0
  if [ "$GENERATOR" != python ] && "$EQ" demo --help >/dev/null 2>&1; then
    echo "generating with eqvault demo ($schools schools, $years years) in $dir ..." >&2
    local extra=()
    "$EQ" demo --help 2>&1 | grep -q -- '--no-run' && extra+=(--no-run)
    "$EQ" demo --dir "$dir" --schools "$schools" --years "$years" "${extra[@]}" >&2
    return 0
  fi
  echo "generating with Python ($schools schools, $years years) in $dir ..." >&2
  python3 - "$dir/equipment.db" "$SCHEMA" "$schools" "$years" <<'PY'
import datetime as dt, random, sqlite3, sys
path, schema, schools, years = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(146)
c = sqlite3.connect(path)
c.executescript(open(schema, encoding="utf-8").read())
c.execute("PRAGMA journal_mode=OFF"); c.execute("PRAGMA synchronous=OFF")
start = dt.date(2025 - years, 9, 1)
end = dt.date(2025, 8, 31)
days = (end - start).days + 1
kinds = ["acquired", "condition_changed", "relocated", "quantity_changed", "corrected"]
levels = ["mam_non", "tieu_hoc", "thcs", "tieu_hoc_thcs"]
cid = uid = 0
for s in range(schools):
    sid = f"7976{s:04d}"
    c.execute("INSERT INTO schools VALUES (?,?,?,?,?,?,?)",
              (sid, f"Trường THCS Số {s}", levels[s % 4], "cong_lap", "active", None,
               f"{start.isoformat()}T08:00:00+07:00"))
    staff = [(f"CB{s:04d}{k:03d}", sid, f"Nguyễn Văn {k}", "principal" if k == 0 else "teacher",
              "working", None) for k in range(40)]
    c.executemany("INSERT INTO staff VALUES (?,?,?,?,?,?)", staff)
    items = [f"TB{s:04d}{k:05d}" for k in range(400)]
    c.executemany("INSERT INTO equipment (equipment_id, school_id, name, quantity, condition, created_at, updated_at) "
                  "VALUES (?,?,?,?,?,?,?)",
                  [(e, sid, "Bộ thí nghiệm quang học", 1, "good", "2023-09-01T08:00:00+07:00",
                    "2023-09-01T08:00:00+07:00") for e in items])
    changes = []
    for _ in range(6000 * years):
        cid += 1
        occ = start + dt.timedelta(days=rnd.randrange(days))
        lag = rnd.randrange(1, 12) if rnd.random() > 0.03 else rnd.randrange(15, 60)
        rec = dt.datetime.combine(occ + dt.timedelta(days=lag), dt.time(rnd.randrange(7, 18), rnd.randrange(60)))
        changes.append((cid, rnd.choice(items), sid, rnd.choice(kinds), occ.isoformat(),
                        rec.strftime("%Y-%m-%dT%H:%M:%S+07:00"), staff[1][0]))
    c.executemany("INSERT INTO equipment_changes VALUES (?,?,?,?,?,?,?)", changes)
    usage = []
    for _ in range(12000 * years):
        uid += 1
        day = start + dt.timedelta(days=rnd.randrange(days))
        usage.append((uid, rnd.choice(items), sid, rnd.choice(staff)[0], "7A3", day.isoformat(), 1))
    c.executemany("INSERT INTO equipment_usage VALUES (?,?,?,?,?,?,?)", usage)
    m = dt.date(start.year, start.month, 1)
    while m <= end:
        nxt = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        if rnd.random() > 0.02:
            c.execute("INSERT INTO monthly_approvals VALUES (?,?,?,?)",
                      (sid, m.strftime("%Y-%m"), staff[0][0], f"{nxt.isoformat()}T09:00:00+07:00"))
        m = nxt
    c.commit()
c.close()
PY
}

FULL=$BASE/s$SCHOOLS-y$YEARS
HALF=$BASE/s$((SCHOOLS / 2))-y$YEARS
generate "$FULL" "$SCHOOLS" "$YEARS"
generate "$HALF" "$((SCHOOLS / 2))" "$YEARS"
AS_OF=${AS_OF:-$(TZ=Asia/Ho_Chi_Minh date +%F)}

# One measurement: "wall-seconds peak-RSS-KiB" of a command, via GNU time.
# (check exits 1 when it finds violations: that is not a failure here.)
measure() {
  local f
  f=$(mktemp)
  /usr/bin/time -o "$f" -f '%e %M' "$@" >/dev/null 2>/dev/null || true
  tail -1 "$f"
  rm -f "$f"
}

sqlite_all_rows() {
  local db=$1
  for t in schools staff equipment equipment_changes monthly_approvals equipment_usage; do
    sqlite3 "$db" "SELECT * FROM $t" >/dev/null
  done
}
export -f sqlite_all_rows

# best-of RUNS: prints "best-wall median-wall max-rss"
bench() {
  local walls=() rss=0 w r
  for _ in $(seq "$RUNS"); do
    read -r w r < <(measure "$@")
    walls+=("$w")
    if [ "$r" -gt "$rss" ]; then rss=$r; fi
  done
  local sorted
  sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
  echo "$(echo "$sorted" | head -1) $(echo "$sorted" | sed -n "$(( (RUNS + 1) / 2 ))p") $rss"
}

rows() { sqlite3 "$1" "SELECT (SELECT count(*) FROM equipment_changes), (SELECT count(*) FROM equipment_usage)" | tr '|' ' '; }

for db in "$FULL/equipment.db" "$HALF/equipment.db"; do
  # Warm the page cache so both sides read from memory.
  cat "$db" >/dev/null
done

read -r FC FU < <(rows "$FULL/equipment.db")
read -r HC HU < <(rows "$HALF/equipment.db")
echo "database: $FULL/equipment.db, $(du -h "$FULL/equipment.db" | cut -f1), $FC changes, $FU uses"
echo "half:     $HALF/equipment.db, $(du -h "$HALF/equipment.db" | cut -f1), $HC changes, $HU uses"

read -r S_BEST S_MED S_RSS < <(bench bash -c "sqlite_all_rows '$FULL/equipment.db'")
read -r C_BEST C_MED C_RSS < <(bench "$EQ" check --json --as-of "$AS_OF" --db "$FULL/equipment.db")
read -r H_BEST H_MED H_RSS < <(bench "$EQ" check --json --as-of "$AS_OF" --db "$HALF/equipment.db")
FINDINGS=$("$EQ" check --json --as-of "$AS_OF" --db "$FULL/equipment.db" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])' || true)

printf '%-44s %10s %10s %12s\n' "" "best s" "median s" "peak RSS"
printf '%-44s %10s %10s %9d MB\n' "sqlite3: SELECT * from the 6 tables (full)" "$S_BEST" "$S_MED" $((S_RSS / 1024))
printf '%-44s %10s %10s %9d MB\n' "eqvault check --json (full)" "$C_BEST" "$C_MED" $((C_RSS / 1024))
printf '%-44s %10s %10s %9d MB\n' "eqvault check --json (half)" "$H_BEST" "$H_MED" $((H_RSS / 1024))
echo "findings on the full database: $FINDINGS"
python3 - "$C_BEST" "$S_BEST" "$C_RSS" "$H_RSS" <<'PY'
import sys
c, s, full, half = map(float, sys.argv[1:])
ratio = c / s if s else float("inf")
print(f"check / sqlite3 = {ratio:.2f} (target <= 2.0): {'ok' if ratio <= 2.0 else 'MISSED'}")
print(f"peak RSS full / half = {full/1024:.1f} MB / {half/1024:.1f} MB: "
      f"{'flat' if abs(full - half) < 8 * 1024 else 'GROWS'}")
PY
