#!/usr/bin/env bash
# Benchmark: `eqvault backup` against the hand pipeline it replaces
# (sqlite3 .backup + tar | zstd -3 -T0 | age) and against `restic backup`
# of the same copy, side by side on the same ~1 GB demo database.
#
#   scripts/bench-backup.sh            # SCHOOLS=250 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-backup.sh   # quick look
#
# Prints wall time (best and median of RUNS) and peak RSS of each, and the
# ratio eqvault / hand pipeline, for both integrity_check levels of the copy. Targets (issue 2): ratio <= 1.2, eqvault
# peak RSS < 200 MB whatever the database size.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-$SCHOOLS}

need=()
for c in age zstd sqlite3 restic; do command -v $c >/dev/null || need+=($c); done
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cargo build --release --locked -q
EQ=$PWD/target/release/eqvault
mkdir -p "$DIR"
if [ ! -f "$DIR/equipment.db" ]; then
  echo "generating the demo database ($SCHOOLS schools, $YEARS years) in $DIR ..." >&2
  "$EQ" demo --dir "$DIR" --schools "$SCHOOLS" --years "$YEARS" --no-run >&2
fi
DB=$DIR/equipment.db
DB_BYTES=$(stat -c %s "$DB")
RECIPIENT=$(grep -o 'age1[0-9a-z]*' "$DIR/eqvault-identity.txt" | head -1)
TRUSTED=$(cat "$DIR/eqvault-signing-key.pub")   # the demo's signing key (README, "Trust model")
export RESTIC_PASSWORD=bench-only-password

# One measurement: wall seconds and peak RSS (KiB) of a command, via GNU time.
measure() {
  if ! /usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/stderr.log"; then
    echo "failed: $*" >&2; cat "$DIR/stderr.log" >&2; exit 1
  fi
  tail -1 "$DIR/time.out"
}

run_eqvault() { eqvault_with full; }
run_eqvault_quick() { eqvault_with quick; }

eqvault_with() {
  rm -rf "$DIR/bench-store" && mkdir -p "$DIR/bench-store"
  cat > "$DIR/bench.toml" <<TOML
[database]
path = "equipment.db"
integrity_check = "$1"
[[store]]
url = "bench-store"
[encryption]
recipients = ["$RECIPIENT"]
[signing]
key = "eqvault-signing-key"
trusted = ["$TRUSTED"]
[state]
dir = ".bench-state"
TOML
  "$EQ" --config "$DIR/bench.toml" store add bench-store >/dev/null   # the store's signed marker
  sync; measure "$EQ" --config "$DIR/bench.toml" backup
}

run_hand() {
  rm -f "$DIR/hand-copy.db" "$DIR/hand.tar.zst.age"
  sync
  measure bash -c "sqlite3 '$DB' \".backup '$DIR/hand-copy.db'\" && tar -C '$DIR' -cf - hand-copy.db | zstd -3 -T0 -q | age -r $RECIPIENT > '$DIR/hand.tar.zst.age'"
}

run_restic() {
  rm -rf "$DIR/restic" "$DIR/restic-copy.db"
  restic init --repo "$DIR/restic" -q >/dev/null
  sqlite3 "$DB" ".backup '$DIR/restic-copy.db'"
  sync
  # restic gets the copy for free: it backs up the same consistent copy the others make themselves.
  measure restic --repo "$DIR/restic" backup -q "$DIR/restic-copy.db"
}

stats() { # "w1 m1\nw2 m2..." -> best median peakMB
  sort -n | awk '{w[NR]=$1; if ($2>m) m=$2} END {printf "%.2f %.2f %.0f", w[1], w[int((NR+1)/2)], m/1024}'
}

declare -A R
TOOLS="eqvault eqvault_quick hand restic"
for tool in $TOOLS; do
  res=""
  for _ in $(seq "$RUNS"); do res+="$(run_$tool)"$'\n'; done
  R[$tool]=$(printf '%s' "$res" | stats)
done

printf '\ndatabase: %s (%.0f MB), %s runs each\n' "$DB" "$(echo "$DB_BYTES/1048576" | bc -l)" "$RUNS"
printf '%-44s %10s %10s %10s\n' tool "best s" "median s" "peak MB"
for tool in $TOOLS; do
  read -r best med peak <<<"${R[$tool]}"
  case $tool in
    eqvault) label="eqvault backup (integrity_check = full)";;
    eqvault_quick) label="eqvault backup (integrity_check = quick)";;
    hand)    label="sqlite3 .backup + tar | zstd -3 -T0 | age";;
    restic)  label="restic backup (of a ready copy)";;
  esac
  printf '%-44s %10s %10s %10s\n' "$label" "$best" "$med" "$peak"
done
read -r eb _ ep <<<"${R[eqvault]}"; read -r qb _ qp <<<"${R[eqvault_quick]}"; read -r hb _ _ <<<"${R[hand]}"
printf '\neqvault / hand pipeline: full check %.2fx, quick check %.2fx (target <= 1.2x)\n' "$(echo "$eb/$hb" | bc -l)" "$(echo "$qb/$hb" | bc -l)"
printf 'eqvault peak RSS: %s MB full, %s MB quick (target < 200 MB)\n' "$ep" "$qp"
printf 'object sizes: eqvault %s bytes, hand %s bytes\n' "$(find "$DIR/bench-store/snapshots" -name '*.tar.zst.age' -printf '%s')" "$(stat -c %s "$DIR/hand.tar.zst.age")"
