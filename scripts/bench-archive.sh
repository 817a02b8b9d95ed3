#!/usr/bin/env bash
# Benchmark: `eqvault archive add` against `tar -c | zstd -3 -T0` of the same
# tree, side by side (issues 5 and 26).
#
#   scripts/bench-archive.sh                    # FILES=10000, ~1 GB, RUNS=3
#   FILES=1000 MB=100 RUNS=1 scripts/bench-archive.sh   # quick look
#   EQVAULT_BIN=target/release/eqvault scripts/bench-archive.sh   # no build
#
# The tree: FILES report files with Vietnamese names in nested folders
# (Năm học …/Học kỳ …/Phường …/), sizes spread from a few KiB to several
# MiB (log-normal, scaled to MB in total), content semi-compressible (runs of
# report-like text mixed with random blocks, as spreadsheets and PDFs are).
# Each run of eqvault starts from an empty store and index, so every file is
# hashed (SHA-256, the bag's one payload manifest), packed as BagIt, compressed (zstd -3,
# all cores), encrypted (age) and stored. Both read a warm page cache.
#
# Prints wall time (best and median of RUNS, one run of each per round) and
# peak RSS of each, the ratio of the medians eqvault / tar+zstd (target <= 1.4),
# the load average before the runs, and the output sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-10000}
MB=${MB:-1024}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/eqvault-bench-archive-$FILES-$MB}

. scripts/bench-common.sh
bench_tools age zstd tar python3
mkdir -p "$DIR"
TREE=$DIR/tree
if [ ! -f "$DIR/tree.done" ]; then
  echo "generating $FILES files, $MB MB in $TREE ..." >&2
  rm -rf "$TREE"
  python3 - "$TREE" "$FILES" "$MB" <<'PY'
import math, os, random, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(5)
# A 32 MiB pool: report-like text (compresses ~4x) and random blocks (does not).
words = ("thiết bị dạy học trường tiểu học trung học cơ sở số lượng hỏng mất "
         "đang sử dụng bộ môn Toán Vật lý Hóa học Sinh học Tin học lớp phòng "
         "ngày tháng năm ghi chú duyệt hiệu trưởng mã định danh").split()
pool = bytearray()
while len(pool) < 32 << 20:
    if rng.random() < 0.45:
        pool += os.urandom(64 << 10)
    else:
        line = []
        while sum(len(w) for w in line) < 60 << 10:
            line.append(f"{rng.choice(words)};{rng.randint(0, 99999)};")
        pool += ("".join(line) + "\n").encode()
sizes = [math.exp(rng.gauss(10.5, 1.4)) for _ in range(n)]
scale = (mb << 20) / sum(sizes)
sizes = [max(1, int(s * scale)) for s in sizes]
years = ["2023-2024", "2024-2025", "2025-2026"]
terms = [("Học kỳ I", "HK1"), ("Học kỳ II", "HKII"), ("Cả năm", "CN")]
kinds = ["Báo cáo thống kê thiết bị", "Báo cáo chất lượng thiết bị", "Tần suất sử dụng", "Biên bản kiểm kê"]
for i, size in enumerate(sizes):
    y = years[i % 3]
    tdir, tname = terms[(i // 3) % 3]
    ward = f"Phường {i % 40 + 1:02d}"
    d = os.path.join(root, f"Năm học {y}", tdir, ward)
    os.makedirs(d, exist_ok=True)
    ext = rng.choice(["xlsx", "pdf", "docx", "csv"])
    name = f"{kinds[i % 4]} {tname} {y} - Trường số {i} ({ward}).{ext}"
    off = rng.randrange(0, len(pool) - 1)
    with open(os.path.join(d, name), "wb") as f:
        left = size
        while left:
            k = min(left, len(pool) - off)
            f.write(pool[off:off + k])
            left -= k
            off = 0
PY
  touch "$DIR/tree.done"
fi
TREE_BYTES=$(du -sb "$TREE" | cut -f1)
NFILES=$(find "$TREE" -type f | wc -l)
[ -f "$DIR/identity.txt" ] || age-keygen -o "$DIR/identity.txt" 2>/dev/null
RECIPIENT=$(age-keygen -y "$DIR/identity.txt")
# Records are signed (README, "Trust model"): a signing key the config trusts.
[ -f "$DIR/signing-key" ] || ssh-keygen -q -t ed25519 -N '' -C eqvault-bench -f "$DIR/signing-key"
TRUSTED=$(cat "$DIR/signing-key.pub")

run_eqvault() {
  rm -rf "$DIR/store" "$DIR/.state" && mkdir -p "$DIR/store"
  cat > "$DIR/bench.toml" <<TOML
[office]
name = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
code = "79"
[database]
path = "none.db"
[[store]]
url = "$DIR/store"
[encryption]
recipients = ["$RECIPIENT"]
[signing]
key = "signing-key"
trusted = ["$TRUSTED"]
[state]
dir = ".state"
TOML
  "$EQ" --config "$DIR/bench.toml" store add "$DIR/store" >/dev/null   # the store's signed marker
  sync
  measure "$EQ" --config "$DIR/bench.toml" archive add "$TREE"
}

run_tar() {
  rm -f "$DIR/tree.tar.zst"
  sync
  measure bash -c "tar -C '$DIR' -cf - tree | zstd -3 -T0 -q > '$DIR/tree.tar.zst'"
}


# Warm the page cache so both read the tree from memory.
tar -C "$DIR" -cf - tree > /dev/null

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A RES
for _ in $(seq "$RUNS"); do
  RES[eqvault]+="$(run_eqvault)"$'\n'
  RES[tar]+="$(run_tar)"$'\n'
done
declare -A R
for tool in eqvault tar; do R[$tool]=$(printf '%s' "${RES[$tool]}" | stats); done

printf '\ntree: %s files, %.0f MB (%s); %s runs each, %s cores, load before: %s\n' "$NFILES" "$(echo "$TREE_BYTES/1048576" | bc -l)" "$TREE" "$RUNS" "$(nproc)" "$LOAD"
printf '%-58s %10s %10s %10s\n' tool "best s" "median s" "peak MB"
for tool in eqvault tar; do
  read -r best med peak <<<"${R[$tool]}"
  case $tool in
    eqvault) label="eqvault archive add (sha256, BagIt, zstd -3, age)";;
    tar)     label="tar -c | zstd -3 -T0";;
  esac
  printf '%-58s %10s %10s %10s\n' "$label" "$best" "$med" "$peak"
done
read -r _ em _ <<<"${R[eqvault]}"; read -r _ tm _ <<<"${R[tar]}"
printf '\neqvault / tar+zstd (medians): %.2fx (target <= 1.4x)\n' "$(echo "$em/$tm" | bc -l)"
printf 'output: eqvault %s bytes in %s bags, tar+zstd %s bytes\n' \
  "$(find "$DIR/store" -name '*.tar.zst.age' -printf '%s\n' | awk '{s+=$1} END {print s}')" \
  "$(find "$DIR/store" -name '*.tar.zst.age' | wc -l)" \
  "$(stat -c %s "$DIR/tree.tar.zst")"
