#!/usr/bin/env bash
# Benchmark: `eqvault backup` against what a user would run instead, side by
# side on the same ~1 GB demo database (issue 26):
#   - the hand pipeline: `sqlite3 .backup`, then `tar | zstd -3 -T0 | age`, then
#     `sync` of the object (eqvault's objects are fsynced);
#   - restic's first backup: `sqlite3 .backup`, then `restic backup` of that
#     copy into a new repository, then `sync`.
#
#   scripts/bench-backup.sh            # SCHOOLS=250 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-backup.sh   # quick look
#   EQVAULT_BIN=target/release/eqvault scripts/bench-backup.sh   # no build
#
# Prints wall time (best and median of RUNS, one run of each tool per round)
# and peak RSS, for both `integrity_check` levels of eqvault's copy (quick is
# the default), the ratios of the medians and the object sizes.
# Targets: default backup <= 1.15x the hand pipeline and <= 0.8x restic,
# peak RSS < 150 MB whatever the database size, object within 3 % of the hand one.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-$SCHOOLS}
. scripts/bench-common.sh
bench_setup age zstd sqlite3 restic

run_eqvault() { eqvault_with quick; }
run_eqvault_full() { eqvault_with full; }

eqvault_with() {
  rm -rf "$DIR/bench-store" "$DIR/.bench-state" && mkdir -p "$DIR/bench-store"
  bench_config "$DIR/bench.toml" bench-store "$1"
  "$EQ" --config "$DIR/bench.toml" store add "$DIR/bench-store" >/dev/null   # the store's signed marker
  measure "$EQ" --config "$DIR/bench.toml" backup
}

run_hand() {
  rm -f "$DIR/hand-copy.db" "$DIR/hand.tar.zst.age"
  measure bash -c "sqlite3 '$DB' \".backup '$DIR/hand-copy.db'\" && tar -C '$DIR' -cf - hand-copy.db | zstd -3 -T0 -q | age -r $RECIPIENT > '$DIR/hand.tar.zst.age' && sync '$DIR/hand.tar.zst.age' && rm '$DIR/hand-copy.db'"
}

run_restic() {
  rm -rf "$DIR/restic" "$DIR/restic-copy"
  restic init --repo "$DIR/restic" -q >/dev/null
  mkdir -p "$DIR/restic-copy"
  measure bash -c "sqlite3 '$DB' \".backup '$DIR/restic-copy/equipment.db'\" && restic --repo '$DIR/restic' backup -q '$DIR/restic-copy/equipment.db' && sync && rm '$DIR/restic-copy/equipment.db'"
}

declare -A R
TOOLS="eqvault eqvault_full hand restic"
for _ in $(seq "$RUNS"); do
  for tool in $TOOLS; do R[$tool]+="$(run_$tool)"$'\n'; done
done
for tool in $TOOLS; do R[$tool]=$(printf '%s' "${R[$tool]}" | stats); done

printf '\ndatabase: %s (%s MB), %s runs each, load before: %s\n' "$DB" "$(( $(stat -c %s "$DB") / 1048576 ))" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %8s %9s %8s\n' tool "best s" "median s" "peak MB"
for tool in $TOOLS; do
  read -r best med peak <<<"${R[$tool]}"
  case $tool in
    eqvault)      label="eqvault backup (integrity_check = quick, default)";;
    eqvault_full) label="eqvault backup (integrity_check = full)";;
    hand)         label="sqlite3 .backup + tar | zstd -3 -T0 | age, sync";;
    restic)       label="sqlite3 .backup + restic backup (first), sync";;
  esac
  printf '%-52s %8s %9s %8s\n' "$label" "$best" "$med" "$peak"
done
read -r _ qm qp <<<"${R[eqvault]}"; read -r _ fm fp <<<"${R[eqvault_full]}"
read -r _ hm _ <<<"${R[hand]}"; read -r _ rm_ _ <<<"${R[restic]}"
printf '\neqvault backup / hand pipeline: %sx default (target <= 1.15x), %sx full\n' "$(ratio "$qm" "$hm")" "$(ratio "$fm" "$hm")"
printf 'eqvault backup / restic first backup: %sx (target <= 0.8x)\n' "$(ratio "$qm" "$rm_")"
printf 'eqvault peak RSS: %s MB default, %s MB full (target < 150 MB)\n' "$qp" "$fp"
EQ_OBJ=$(find "$DIR/bench-store/snapshots" -name '*.tar.zst.age' -printf '%s')
HAND_OBJ=$(stat -c %s "$DIR/hand.tar.zst.age")
printf 'object sizes: eqvault %s bytes, hand %s bytes (%sx)\n' "$EQ_OBJ" "$HAND_OBJ" "$(ratio "$EQ_OBJ" "$HAND_OBJ")"
