# Shared by scripts/bench-backup.sh, bench-restore.sh and bench-archive.sh (sourced, not run):
# the tools, the binary, the ~1 GB demo database, and one way to time a command.
#
# Set before sourcing: SCHOOLS, YEARS, DIR. Sets: EQ (the eqvault binary), DB,
# RECIPIENT (the demo's age public key), TRUSTED (its signing public key).

# The tools named (Debian packages of the same name), GNU time and bc; then the
# binary in EQ: EQVAULT_BIN (e.g. one built from a clean checkout), else a release build.
bench_tools() {
  local need=()
  for c in "$@"; do command -v "$c" >/dev/null || need+=("$c"); done
  [ -x /usr/bin/time ] || need+=(time)
  command -v bc >/dev/null || need+=(bc)
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  if [ -n "${EQVAULT_BIN:-}" ]; then
    EQ=$(realpath "$EQVAULT_BIN")   # the benchmarks run from their data folder
  else
    cargo build --release --locked -q
    EQ=$PWD/target/release/eqvault
  fi
}

# bench_tools, then the demo database in DIR.
bench_setup() {
  bench_tools "$@"
  mkdir -p "$DIR"
  if [ ! -f "$DIR/equipment.db" ]; then
    echo "generating the demo database ($SCHOOLS schools, $YEARS years) in $DIR ..." >&2
    "$EQ" demo --dir "$DIR" --schools "$SCHOOLS" --years "$YEARS" --no-run >&2
  fi
  DB=$DIR/equipment.db
  RECIPIENT=$(grep -o 'age1[0-9a-z]*' "$DIR/eqvault-identity.txt" | head -1)
  TRUSTED=$(cat "$DIR/eqvault-signing-key.pub")   # the demo's signing key (README, "Trust model")
  export RESTIC_PASSWORD=bench-only-password
}

# A config with one local store DIR/STORE and the check LEVEL.
bench_config() { # FILE STORE LEVEL
  cat > "$1" <<TOML
[database]
path = "equipment.db"
integrity_check = "$3"
[[store]]
url = "$DIR/$2"
[encryption]
recipients = ["$RECIPIENT"]
identity = "eqvault-identity.txt"
[signing]
key = "eqvault-signing-key"
trusted = ["$TRUSTED"]
[state]
dir = ".bench-state"
TOML
}

# One measurement: wall seconds and peak RSS (KiB) of a command, via GNU time.
# Dirty pages of the previous run are written first, so no run pays for another.
measure() {
  sync
  if ! /usr/bin/time -f '%e %M' -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/stderr.log"; then
    echo "failed: $*" >&2; cat "$DIR/stderr.log" >&2; exit 1
  fi
  tail -1 "$DIR/time.out"
}

# "w1 m1\nw2 m2..." -> "best median peakMB"
stats() {
  sort -n | awk '{w[NR]=$1; if ($2>m) m=$2} END {printf "%.2f %.2f %.0f", w[1], w[int((NR+1)/2)], m/1024}'
}

ratio() { echo "scale=2; $1/$2" | bc -l | sed 's/^\./0./'; }
