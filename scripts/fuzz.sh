#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, cargo-fuzz + libFuzzer) for a bounded time and
# prints what each did. Usage:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]     (default: 60 s, all targets)
#
# Targets: manifest, metadata (the catalog parsers), classify (the archive's
# classifier of file names, and the id parsers), unpack (the strict snapshot
# unpacker) and bag (the strict bag unpacker). Seeds are in fuzz/seeds/<target>;
# the growing corpus in fuzz/corpus/<target> and any crash in fuzz/artifacts/<target>
# stay local (ignored by git). A crash makes the script exit 1: reproduce it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -a <target> fuzz/artifacts/<target>/crash-…
# fix it, and keep the input as a regression test (tests/hostile.rs).
#
# cargo-fuzz needs nightly compiler flags; on a stable toolchain RUSTC_BOOTSTRAP=1
# unlocks them. FUZZ_SANITIZER=none (or address, the default) chooses the sanitizer.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(manifest metadata classify unpack bag)
fi

if ! command -v cargo-fuzz >/dev/null; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"

mkdir -p logs
cargo fuzz build -a -s "$sanitizer" 2>&1 | tail -n 3 >&2
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  echo "== $t: ${seconds}s" >&2
  set +e
  cargo fuzz run -a -s "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
    >"logs/$t.log" 2>&1
  rc=$?
  set -e
  after=$(find "artifacts/$t" -type f | wc -l)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -n 1)
  corpus=$(find "corpus/$t" -type f | wc -l)
  found=$((after - before))
  summary+=("$(printf '%-9s %12s execs  %6s corpus  %3s new crashes  exit %s' "$t" "${runs:-?}" "$corpus" "$found" "$rc")")
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    status=1
    echo "!! $t: see fuzz/logs/$t.log and fuzz/artifacts/$t" >&2
    grep -m 5 -E 'panicked|ERROR|SUMMARY' "logs/$t.log" >&2 || true
  fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
