#!/usr/bin/env bash
# Builds what IT staff install (README, "Install"):
#   target/package/eqvault-VERSION-x86_64-linux-gnu.tar.gz  the portable binary (glibc 2.28+:
#       Debian 10, Ubuntu 20.04, RHEL 8 and later) with its man pages, completions and units;
#   target/debian/eqvault_VERSION-1_amd64.deb                the Debian/Ubuntu package.
# One release build (cargo-zigbuild: zig is the C compiler and linker, against
# glibc 2.28's symbols), reused for both. Installs what it needs when missing:
# zig (PyPI's ziglang), cargo-zigbuild and cargo-deb (crates.io), at pinned versions.
# Prints the two paths and their sizes. scripts/test-package.sh checks the result.
set -euo pipefail
cd "$(dirname "$0")/.."

ZIGLANG_VERSION=0.17.1
ZIGBUILD_VERSION=0.24.1
CARGO_DEB_VERSION=3.8.0
GLIBC=2.28
TRIPLE=x86_64-unknown-linux-gnu

# --- tools ---------------------------------------------------------------
if [ "$(python3 -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ]; then
  echo "installing zig $ZIGLANG_VERSION (PyPI ziglang)" >&2
  python3 -m pip install --quiet --disable-pip-version-check "ziglang==$ZIGLANG_VERSION"
fi
need_crate() { # NAME VERSION: installed at that version?
  cargo install --list | grep -qx "$1 v$2:"
}
for tool in "cargo-zigbuild $ZIGBUILD_VERSION" "cargo-deb $CARGO_DEB_VERSION"; do
  set -- $tool
  if ! need_crate "$1" "$2"; then
    echo "installing $1 $2 (crates.io)" >&2
    cargo install --quiet --locked "$1@$2"
  fi
done

# --- the portable binary ---------------------------------------------------
target_dir="${CARGO_TARGET_DIR:-target}"
cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC"
bin="$target_dir/$TRIPLE/release/eqvault"
version="$("$bin" --version | awk '{print $2}')"

# Man pages and completions: exactly what the binary itself prints, so every
# command (also those added later) is in them. Fixed place: Cargo.toml's deb assets.
gen=target/package
rm -rf "$gen/man" "$gen/man-en" "$gen/completions"
mkdir -p "$gen/completions"
# Vietnamese pages are what `man eqvault` shows; English ones are found under
# an English locale (LANG=en_US.UTF-8 man eqvault), as man-db looks in man/en.
"$bin" man --lang vi --dir "$gen/man" >/dev/null
"$bin" man --lang en --dir "$gen/man-en" >/dev/null
"$bin" completions bash > "$gen/completions/eqvault.bash"
"$bin" completions zsh  > "$gen/completions/_eqvault"
"$bin" completions fish > "$gen/completions/eqvault.fish"

# The tarball: the same files, laid out as the .deb lays them, plus the units.
name="eqvault-$version-x86_64-linux-gnu"
stage="$gen/$name"
rm -rf "$stage"
mkdir -p "$stage/man/man1" "$stage/man/en/man1" "$stage/completions" "$stage/systemd"
install -m 0755 "$bin" "$stage/eqvault"
install -m 0644 "$gen"/man/*.1 "$stage/man/man1/"
install -m 0644 "$gen"/man-en/*.1 "$stage/man/en/man1/"
install -m 0644 "$gen"/completions/* "$stage/completions/"
install -m 0644 packaging/eqvault.service packaging/eqvault@.service "$stage/systemd/"
install -m 0644 packaging/eqvault.toml.example README.md "$stage/"
tar -C "$gen" --owner=0 --group=0 --numeric-owner -czf "$gen/$name.tar.gz" "$name"
rm -rf "$stage"

# --- the .deb -------------------------------------------------------------
mkdir -p target/debian
deb="$(cargo deb --no-build --locked --target "$TRIPLE" --output target/debian/ --quiet)"

size() { du -h --apparent-size "$1" | cut -f1; }
echo "portable binary: $bin ($(size "$bin"))"
echo "tarball:         $gen/$name.tar.gz ($(size "$gen/$name.tar.gz"))"
echo "package:         $deb ($(size "$deb"))"
