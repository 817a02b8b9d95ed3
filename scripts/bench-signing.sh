#!/usr/bin/env bash
# Benchmark: what signing and verifying cost inside a real backup and restore
# of the ~1 GB demo database (issue 12's budget: under 3 % of each).
#
#   scripts/bench-signing.sh               # SCHOOLS=250 (~1 GB), RUNS=3
#   SCHOOLS=20 RUNS=1 scripts/bench-signing.sh   # quick look
#
# eqvault counts, in-process, every signature it makes and checks and the time
# spent on them, and logs the totals at exit with -vv ("signing cost"); this
# script runs backup and `restore latest` RUNS times each on the demo's own
# config (two local stores, so each backup signs for both and each restore
# vets every snapshot's metadata in both) and prints, per run, the wall time,
# the signing time and its share. Snapshots accumulate over the runs, so the
# last restores vet more records than the first.
set -euo pipefail
cd "$(dirname "$0")/.."
SCHOOLS=${SCHOOLS:-250}
YEARS=${YEARS:-2}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-sign-$SCHOOLS}

[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
cargo build --release --locked -q
EQ=$PWD/target/release/eqvault
if [ ! -f "$DIR/eqvault.toml" ]; then
  echo "generating the demo database ($SCHOOLS schools, $YEARS years) in $DIR ..." >&2
  "$EQ" demo --dir "$DIR" --schools "$SCHOOLS" --years "$YEARS" --no-run >&2
fi
CFG=$DIR/eqvault.toml

# One run: "wall_s signed sign_us verified verify_us" of `eqvault -vv ARGS`.
run() {
  if ! EQVAULT_LOG=eqvault=debug /usr/bin/time -f '%e' -o "$DIR/time.out" "$EQ" --config "$CFG" -vv "$@" >/dev/null 2>"$DIR/stderr.log"; then
    echo "failed: eqvault $*" >&2; tail -20 "$DIR/stderr.log" >&2; exit 1
  fi
  local line
  line=$(grep 'signing cost' "$DIR/stderr.log" | tail -1)
  printf '%s %s %s %s %s\n' "$(tail -1 "$DIR/time.out")" \
    "$(sed -E 's/.*signed=([0-9]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*sign_us=([0-9]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*verified=([0-9]+).*/\1/' <<<"$line")" \
    "$(sed -E 's/.*verify_us=([0-9]+).*/\1/' <<<"$line")"
}

printf 'database: %s (%.0f MB), %s runs each\n' "$DIR/equipment.db" "$(echo "$(stat -c %s "$DIR/equipment.db")/1048576" | bc -l)" "$RUNS"
printf '%-8s %8s %8s %10s %9s %10s %8s\n' op "wall s" signed "sign ms" verified "verify ms" share
worst=0
for op in backup restore; do
  for _ in $(seq "$RUNS"); do
    if [ $op = backup ]; then
      r=$(run backup)
    else
      rm -f "$DIR/restored.db"
      r=$(run restore latest --to "$DIR/restored.db")
    fi
    read -r wall signed sus verified vus <<<"$r"
    share=$(echo "($sus + $vus) / 10000 / $wall" | bc -l)
    printf '%-8s %8.2f %8d %10.2f %9d %10.2f %7.3f%%\n' $op "$wall" "$signed" "$(echo "$sus/1000" | bc -l)" "$verified" "$(echo "$vus/1000" | bc -l)" "$share"
    worst=$(echo "if ($share > $worst) $share else $worst" | bc -l)
  done
done
rm -f "$DIR/restored.db"
printf '\nlargest share of signing and verifying: %.3f %% (target < 3 %%)\n' "$worst"
