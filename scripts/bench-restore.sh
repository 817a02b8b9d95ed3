#!/usr/bin/env bash
# Benchmark: `eqvault restore` against what a user would run instead, side by
# side on the ~1 GB demo database (issue 26):
#   - the hand pipeline `age -d | zstd -d | tar -x` of the same object, then
#     `sync` of the restored file (eqvault's restore is durable: it fsyncs);
#   - `restic restore` of the same database, then `sync` of the file.
#
#   scripts/bench-restore.sh                  # SCHOOLS=250 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-restore.sh  # quick look
#   EQVAULT_BIN=target/release/eqvault scripts/bench-restore.sh   # no build
#
# Each run restores to a new path from a warm page cache. Prints best and
# median wall time and peak RSS of each, and the ratios of the medians.
# Targets: restore <= 1.2x the hand pipeline, peak RSS < 100 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-$SCHOOLS}
. scripts/bench-common.sh
bench_setup age zstd restic

# One snapshot to restore, and the same database in a restic repository.
rm -rf "$DIR/restore-store" "$DIR/.bench-state" && mkdir -p "$DIR/restore-store"
bench_config "$DIR/restore.toml" restore-store quick
"$EQ" --config "$DIR/restore.toml" store add "$DIR/restore-store" >/dev/null
"$EQ" --config "$DIR/restore.toml" backup >/dev/null
OBJ=$(find "$DIR/restore-store/snapshots" -name '*.tar.zst.age')
rm -rf "$DIR/restic" "$DIR/restic-src" && mkdir -p "$DIR/restic-src"
sqlite3 "$DB" ".backup '$DIR/restic-src/database.sqlite'"
restic init --repo "$DIR/restic" -q >/dev/null
restic --repo "$DIR/restic" backup -q "$DIR/restic-src/database.sqlite" >/dev/null
rm -rf "$DIR/restic-src"

run_eqvault() {
  rm -f "$DIR/restored.db"
  measure "$EQ" --config "$DIR/restore.toml" restore latest --to "$DIR/restored.db"
}

run_eqvault_full() {
  rm -f "$DIR/restored.db"
  measure "$EQ" --config "$DIR/restore.toml" restore latest --to "$DIR/restored.db" --check full
}

run_hand() {
  rm -rf "$DIR/hand" && mkdir -p "$DIR/hand"
  measure bash -c "age -d -i '$DIR/eqvault-identity.txt' '$OBJ' | zstd -d -q | tar -x -C '$DIR/hand' database.sqlite && sync '$DIR/hand/database.sqlite'"
}

run_restic() {
  rm -rf "$DIR/restic-out"
  measure bash -c "restic --repo '$DIR/restic' restore latest --target '$DIR/restic-out' -q && find '$DIR/restic-out' -name database.sqlite -exec sync {} +"
}

declare -A R
TOOLS="eqvault eqvault_full hand restic"
for _ in $(seq "$RUNS"); do
  # Side by side: one run of each tool per round, so a busy moment hits all alike.
  for tool in $TOOLS; do R[$tool]+="$(run_$tool)"$'\n'; done
done
for tool in $TOOLS; do R[$tool]=$(printf '%s' "${R[$tool]}" | stats); done
cmp -s "$DIR/restored.db" "$DIR/hand/database.sqlite" || { echo "eqvault and the hand pipeline restored different files" >&2; exit 1; }

printf '\ndatabase: %s (%s MB), object %s MB, %s runs each, load before: %s\n' "$DB" \
  "$(( $(stat -c %s "$DB") / 1048576 ))" "$(( $(stat -c %s "$OBJ") / 1048576 ))" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %8s %9s %8s\n' tool "best s" "median s" "peak MB"
for tool in $TOOLS; do
  read -r best med peak <<<"${R[$tool]}"
  case $tool in
    eqvault)      label="eqvault restore (default: the manifest's proof)";;
    eqvault_full) label="eqvault restore --check full";;
    hand)         label="age -d | zstd -d | tar -x, then sync";;
    restic)       label="restic restore, then sync";;
  esac
  printf '%-52s %8s %9s %8s\n' "$label" "$best" "$med" "$peak"
done
read -r _ em ep <<<"${R[eqvault]}"; read -r _ hm _ <<<"${R[hand]}"; read -r _ rm_ _ <<<"${R[restic]}"
printf '\neqvault restore / hand pipeline: %sx (target <= 1.2x); / restic restore: %sx; peak RSS %s MB (target < 100 MB)\n' \
  "$(ratio "$em" "$hm")" "$(ratio "$em" "$rm_")" "$ep"
