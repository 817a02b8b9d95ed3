#!/usr/bin/env bash
# Benchmark (issue 25): one vault's `snapshots`, `status` and `prune --dry-run`
# in a store that also holds OTHERS other vaults with SNAPSHOTS snapshots in
# all, against the same vault alone in its store. Each vault's listings read
# its own folder (vaults/<id>/), so the ratio should stay near 1 (goal: 1.2x).
#
#   scripts/bench-vaults.sh                     # OTHERS=50 SNAPSHOTS=3000 RUNS=10
#   OTHERS=5 SNAPSHOTS=300 RUNS=3 scripts/bench-vaults.sh   # quick look
#
# The other vaults are made by copying this vault's snapshot files under
# other vault folders and ids: what costs a listing (keys and objects) is
# there; their records are never read by this vault.
set -euo pipefail
cd "$(dirname "$0")/.."
OTHERS=${OTHERS:-50}
SNAPSHOTS=${SNAPSHOTS:-3000}
RUNS=${RUNS:-10}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-vaults}

command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --locked -q
EQ=$PWD/target/release/eqvault
rm -rf "$DIR" && mkdir -p "$DIR"
"$EQ" demo --dir "$DIR/alone" --schools 2 --years 1 --no-run >/dev/null 2>&1
CFG=$DIR/alone/eqvault.toml
for i in 1 2 3; do "$EQ" --config "$CFG" backup >/dev/null; sleep 1; done
VAULT=$(sed -n 's/^vault = "\(.*\)"/\1/p' "$CFG")

# The same vault in a crowded store: a copy of the demo folder, whose stores
# then get OTHERS other vaults.
cp -a "$DIR/alone" "$DIR/crowded"
sed -i "s#$DIR/alone#$DIR/crowded#g" "$DIR/crowded/eqvault.toml"
python3 - "$DIR/crowded/stores" "$VAULT" "$OTHERS" "$SNAPSHOTS" <<'PY'
import os, sys, shutil, random
stores, vault, others, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for store in sorted(os.listdir(stores)):
    mine = os.path.join(stores, store, "vaults", vault, "snapshots")
    files = []
    for d, _, fs in os.walk(mine):
        files += [os.path.join(d, f) for f in fs]
    meta = next(f for f in files if f.endswith(".json"))
    obj = meta[:-len(".json")] + ".tar.zst.age"
    per = total // others
    rnd = random.Random(146)
    for v in range(others):
        for n in range(per):
            sid = "2026%02d%02dT%02d%02d%02dZ-%06x" % (rnd.randint(1, 12), rnd.randint(1, 28),
                  rnd.randint(0, 23), rnd.randint(0, 59), rnd.randint(0, 59), rnd.getrandbits(24))
            q = "Q%d" % ((int(sid[4:6]) - 1) // 3 + 1)
            d = os.path.join(stores, store, "vaults", "v-other%05d" % v, "snapshots", "2026", q)
            os.makedirs(d, exist_ok=True)
            for src, ext in ((meta, ".json"), (meta + ".sig", ".json.sig"), (obj, ".tar.zst.age")):
                shutil.copyfile(src, os.path.join(d, sid + ext))
PY
echo "crowded stores: $(find "$DIR/crowded/stores" -type f | wc -l) files; alone: $(find "$DIR/alone/stores" -type f | wc -l)" >&2
for cmd in "snapshots" "status" "prune --dry-run"; do
  hyperfine -i --warmup 2 --runs "$RUNS" -N --export-json "$DIR/${cmd%% *}.json" \
    -n "alone: $cmd" "$EQ --config $DIR/alone/eqvault.toml $cmd" \
    -n "crowded ($OTHERS vaults, $SNAPSHOTS snapshots): $cmd" "$EQ --config $DIR/crowded/eqvault.toml $cmd" \
    >/dev/null 2>&1 || true
  python3 - "$DIR/${cmd%% *}.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
a, c = r[0]["median"], r[1]["median"]
print(f"{r[0]['command']:<60} median {a*1000:7.1f} ms")
print(f"{r[1]['command']:<60} median {c*1000:7.1f} ms  ({c/a:.2f}x)")
PY
done
