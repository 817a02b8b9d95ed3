#!/usr/bin/env bash
# The packaged example config works when its REPLACEs are filled in (issue 31).
# Done as the example's own header says, as root on a machine where the package
# is installed (scripts/test-package.sh runs it): `eqvault keys new /etc/eqvault`,
# every REPLACE replaced with what it printed (the S3 store: a bucket on moto's
# server on loopback), each store's marker written, then `doctor` and `backup`
# as the service's user, with the paths the example names. Everything it made
# is removed again.
#
# Usage: scripts/check-example-config.sh [EXAMPLE] [DATABASE]
#   EXAMPLE   default /etc/eqvault/eqvault.toml.example (the installed conffile)
#   DATABASE  an equipment database to back up (default: a small one from `eqvault demo`)
set -euo pipefail

example="${1:-/etc/eqvault/eqvault.toml.example}"
database="${2:-}"
eqvault="${EQVAULT:-/usr/bin/eqvault}"
fail() { echo "check-example-config: FAILED: $*" >&2; exit 1; }
step() { echo "check-example-config: $*" >&2; }
[ "$(id -u)" -eq 0 ] || fail "needs root (it writes under /etc/eqvault, /srv and /var)"
getent passwd eqvault >/dev/null || fail "no eqvault user (install the package first)"
[ -f "$example" ] || fail "no $example"
for p in /etc/eqvault/eqvault.toml /etc/eqvault/eqvault-signing-key /etc/eqvault/eqvault-signing-key.pub \
         /etc/eqvault/eqvault-identity.txt \
         /srv/eqvault /srv/thietbi /var/lib/eqvault /var/log/eqvault; do
  [ ! -e "$p" ] || fail "$p exists: this check makes and removes it, and never touches a real set-up"
done

work="$(mktemp -d)"
chmod 0711 "$work"
moto_pid=""
daemon_pid=""
cleanup() {
  [ -z "$moto_pid" ] || kill "$moto_pid" 2>/dev/null || true
  if [ -n "$daemon_pid" ]; then kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; fi
  rm -rf "$work" /srv/eqvault /srv/thietbi /var/lib/eqvault /var/log/eqvault \
    /etc/eqvault/eqvault.toml /etc/eqvault/eqvault-signing-key /etc/eqvault/eqvault-signing-key.pub \
    /etc/eqvault/eqvault-identity.txt
}
trap cleanup EXIT
as_eqvault() { (cd / && setpriv --reuid eqvault --regid eqvault --init-groups env HOME=/var/lib/eqvault "$@"); }

# The S3 store: a bucket on moto's server (any credentials are accepted).
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m moto.server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 150); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
  sleep 0.2
done
python3 - "$port" <<'PY' || { cat "$work/moto.log" >&2; fail "moto's S3 server did not start"; }
import sys, boto3
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
             aws_access_key_id="x", aws_secret_access_key="y").create_bucket(Bucket="eqvault-test")
PY
export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y

# What the service finds ready on a real host: its state and log folders
# (systemd makes them), the database it backs up.
install -d -o eqvault -g eqvault /var/lib/eqvault /var/log/eqvault
install -d /srv/thietbi
if [ -z "$database" ]; then
  install -d -o eqvault -g eqvault "$work/demo"
  (cd "$work/demo" && setpriv --reuid eqvault --regid eqvault --init-groups \
    env HOME="$work/demo" "$eqvault" demo --no-run --dir d >/dev/null 2>"$work/demo.err") \
    || { cat "$work/demo.err" >&2; fail "eqvault demo failed"; }
  database="$work/demo/d/equipment.db"
  [ -s "$database" ] || fail "the demo left no database at $database"
fi
install -m 0640 -g eqvault "$database" /srv/thietbi/equipment.db

# The header's steps, as an administrator types them.
cp "$example" /etc/eqvault/eqvault.toml
chgrp eqvault /etc/eqvault/eqvault.toml && chmod 0640 /etc/eqvault/eqvault.toml
keys="$("$eqvault" --lang en keys new /etc/eqvault --json)" || fail "eqvault keys new"
chown eqvault: /etc/eqvault/eqvault-signing-key /etc/eqvault/eqvault-identity.txt
recipient="$(printf '%s' "$keys" | python3 -c 'import json, sys; print(json.load(sys.stdin)["recipient"])')"
public="$(printf '%s' "$keys" | python3 -c 'import json, sys; print(json.load(sys.stdin)["signing_public_key"])')"
sed -i \
  -e "s|Phòng Giáo dục và Đào tạo REPLACE|Phòng Giáo dục và Đào tạo Quận 1|" \
  -e "s|s3://REPLACE-bucket/eqvault|s3://eqvault-test/eqvault|" \
  -e "s|^# endpoint = .*|endpoint = \"http://127.0.0.1:$port\"\nallow_http = true|" \
  -e "s|age1REPLACE-with-the-key-eqvault-keys-new-printed|$recipient|" \
  -e "s|ssh-ed25519 REPLACE-with-the-line-eqvault-keys-new-printed|$public|" \
  /etc/eqvault/eqvault.toml
if grep -n 'REPLACE' /etc/eqvault/eqvault.toml | grep -v '^[0-9]*:#'; then
  fail "a REPLACE is left in the filled-in config (the check's sed no longer matches the example)"
fi
install -d -o eqvault -g eqvault /srv/eqvault/store-a
as_eqvault "$eqvault" --lang en store add /srv/eqvault/store-a >"$work/out" 2>&1 \
  || { cat "$work/out" >&2; fail "store add /srv/eqvault/store-a"; }
as_eqvault "$eqvault" --lang en store add s3://eqvault-test/eqvault >"$work/out" 2>&1 \
  || { cat "$work/out" >&2; fail "store add s3://eqvault-test/eqvault"; }
step "filled in: keys from eqvault keys new, both stores marked"

# The service's user reads /etc/eqvault/eqvault.toml without being told.
as_eqvault "$eqvault" --lang en backup >"$work/backup" 2>&1 \
  || { cat "$work/backup" >&2; fail "backup with the filled-in example config"; }
as_eqvault "$eqvault" --lang en status >"$work/status" 2>&1 \
  || { cat "$work/backup" "$work/status" >&2; fail "status after the backup"; }
# The service (`systemctl enable --now eqvault` runs `eqvault daemon`), then
# doctor, which also checks that the daemon runs the schedule.
# Started as a plain command (no function, no subshell), so that $! is eqvault itself.
setpriv --reuid eqvault --regid eqvault --init-groups env -C / HOME=/var/lib/eqvault \
  "$eqvault" daemon >"$work/daemon" 2>&1 &
daemon_pid=$!
ok=""
# doctor fails only on the daemon line until the daemon has started.
for _ in $(seq 100); do
  if as_eqvault "$eqvault" --lang en doctor >"$work/doctor" 2>&1; then ok=1; break; fi
  kill -0 "$daemon_pid" 2>/dev/null || break
  [ "$(grep -c '^  FAIL' "$work/doctor")" = 1 ] && grep -q '^  FAIL   schedule' "$work/doctor" || break
  sleep 0.3
done
kill -TERM "$daemon_pid" 2>/dev/null || true
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=""
pgrep -u eqvault -f "eqvault daemon" >/dev/null && fail "eqvault daemon is still running after SIGTERM"
[ -n "$ok" ] || { cat "$work/doctor" "$work/daemon" >&2; fail "doctor with the filled-in example config"; }
step "backup, status and doctor pass with the example config, as the eqvault user"
