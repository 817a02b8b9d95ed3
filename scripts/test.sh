#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls exactly this).
# Installs what the tests need when it is missing, then runs the checks:
# formatting, clippy with warnings denied, docs, every test, and the package
# test (scripts/test-package.sh: builds the portable binary and the .deb,
# installs, checks and removes the .deb; needs root, as CI is; about 9 minutes
# on a fresh machine: 6 for the release build, 2 to install cargo-zigbuild and
# cargo-deb). EQVAULT_PACKAGE_TEST=0 skips that one for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v age >/dev/null     || need_apt+=(age)
command -v zstd >/dev/null    || need_apt+=(zstd)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
command -v tar >/dev/null     || need_apt+=(tar)
command -v chromium >/dev/null || need_apt+=(chromium)
# The printed report's test reads the PDF (pdftotext, pdffonts, pdfinfo, pdftoppm)
# and needs the document's font (Liberation Serif, metric-compatible with Times).
command -v pdftotext >/dev/null || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -q "Liberation Serif" || need_apt+=(fonts-liberation)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

py_need=()
for mod in bagit openpyxl aiosmtpd boto3; do
  python3 -c "import $mod" 2>/dev/null || py_need+=("$mod")
done
# moto's S3 server, with Object Lock, for tests/object_lock.rs.
python3 -c "import moto.server" 2>/dev/null || py_need+=("moto[server]")
if [ ${#py_need[@]} -gt 0 ]; then
  echo "installing PyPI packages: ${py_need[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${py_need[@]}"
fi

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --quiet
# The fault suite's long variants (more kill points, bigger databases: about a
# minute more) run here and so in CI; EQVAULT_LONG_FAULTS=0 skips them for a
# quick local run. A fault test that cannot set up its fault fails here rather
# than skip.
export EQVAULT_LONG_FAULTS="${EQVAULT_LONG_FAULTS:-1}"
EQVAULT_FAULTS_STRICT=1 cargo test --locked "$@"
if [ "${EQVAULT_PACKAGE_TEST:-1}" != 0 ]; then
  bash scripts/test-package.sh
fi
