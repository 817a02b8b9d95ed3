#!/usr/bin/env bash
# The package test (issue 20; scripts/test.sh runs it, and so CI): builds the
# portable binary and the .deb (scripts/package.sh), then, as root on this
# machine:
#   1. the binary needs no glibc symbol newer than 2.28 (objdump -T) and carries
#      no debug info; the same check fails on a binary built against this host;
#   2. installs the .deb: eqvault --version, man -w, the installed man pages and
#      completions are what the binary prints, and each shell's own loader finds
#      its completions; the units pass systemd-analyze verify; the eqvault user;
#   3. the packaged binary runs `eqvault demo` in an empty folder, as that user,
#      and the example config works once filled in (scripts/check-example-config.sh);
#   4. dpkg -r leaves nothing but configuration, dpkg --purge not even that
#      (the eqvault user stays: README, "Install").
# Installs what it needs when missing (man-db, bash-completion, zsh, fish).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "test-package: FAILED: $*" >&2; exit 1; }
step() { echo "test-package: $*" >&2; }
[ "$(id -u)" -eq 0 ] || { echo "test-package: needs root (it installs and removes the .deb)" >&2; exit 2; }

need_apt=()
command -v man >/dev/null     || need_apt+=(man-db)
[ -f /usr/share/bash-completion/bash_completion ] || need_apt+=(bash-completion)
command -v zsh >/dev/null     || need_apt+=(zsh)
command -v fish >/dev/null    || need_apt+=(fish)
command -v objdump >/dev/null || need_apt+=(binutils)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The example config's check (3b) stores to moto's S3 server.
python3 -c "import moto.server, boto3" 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check "moto[server]" boto3

start=$SECONDS
bash scripts/package.sh
step "package.sh took $((SECONDS - start)) s"
bin="${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release/eqvault"
version="$("$bin" --version | awk '{print $2}')"
deb="target/debian/eqvault_${version}-1_amd64.deb"
tarball="target/package/eqvault-$version-x86_64-linux-gnu.tar.gz"
[ -f "$deb" ] || fail "no $deb"

# --- 1. portable -------------------------------------------------------------
newest_glibc() { objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1; }
newer_than_228() { objdump -T "$1" | awk '{for(i=1;i<=NF;i++) if ($i ~ /^\(?GLIBC_[0-9]/) print $i, $NF}' \
  | tr -d '()' | sed 's/GLIBC_//' | awk '{split($1,v,"."); if (v[1] > 2 || (v[1] == 2 && v[2] > 28)) print "GLIBC_" $1, $2}'; }
newest="$(newest_glibc "$bin")"
[ -n "$newest" ] || fail "objdump -T found no GLIBC symbol versions in $bin: the check is blind"
too_new="$(newer_than_228 "$bin")"
[ -z "$too_new" ] || fail "$bin needs glibc symbols newer than 2.28:
$too_new"
step "the portable binary needs glibc $newest at most"
# The check is not blind: the test build, linked against this host's glibc, fails it.
host_bin="${CARGO_TARGET_DIR:-target}/debug/eqvault"
if [ -x "$host_bin" ]; then
  if [ -n "$(newer_than_228 "$host_bin")" ]; then
    step "the same check flags the host build $host_bin (glibc $(newest_glibc "$host_bin"))"
  else
    step "note: the host build $host_bin needs no glibc newer than 2.28 either (an old host)"
  fi
fi
if readelf -S "$bin" | grep -q '\.debug_'; then fail "$bin carries debug info"; fi
other_libs="$(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' \
  | grep -vxE 'libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-x86-64\.so\.2|libgcc_s\.so\.1' || true)"
[ -z "$other_libs" ] || fail "$bin links libraries beyond glibc's: $other_libs"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xzf "$tarball"
[ "$("$tmp/eqvault-$version-x86_64-linux-gnu/eqvault" --version)" = "eqvault $version" ] \
  || fail "the tarball's binary does not run"

# --- 2. install ----------------------------------------------------------------
leftovers() { # every path named after eqvault in the system's folders (but dpkg's own records)
  find /usr /etc /var /opt /srv -xdev \( -path /var/tmp -o -path /var/cache -o -path /var/lib/dpkg \) -prune -o \
    -path '*eqvault*' -print 2>/dev/null | sort
}
if dpkg-query -W eqvault >/dev/null 2>&1; then
  step "purging an eqvault package left from an earlier run"
  dpkg --purge eqvault >/dev/null
fi
before="$(leftovers)"
[ -z "$before" ] || step "note: before installing, already present: $before"
step "installing $deb"
dpkg -i "$deb" >/dev/null

[ "$(command -v eqvault)" = /usr/bin/eqvault ] || fail "eqvault on PATH is $(command -v eqvault)"
[ "$(eqvault --version)" = "eqvault $version" ] || fail "eqvault --version: $(eqvault --version)"
cmp -s /usr/bin/eqvault "$bin" || fail "/usr/bin/eqvault is not the portable binary"
[ "$(man -w eqvault)" = /usr/share/man/man1/eqvault.1.gz ] || fail "man -w eqvault: $(man -w eqvault 2>&1)"
man -w eqvault-archive-add >/dev/null || fail "no man page for eqvault-archive-add"
warnings="$(MANWIDTH=80 man --warnings eqvault 2>&1 >/dev/null || true)"
[ -z "$warnings" ] || fail "man eqvault warns: $warnings"
MANWIDTH=80 man eqvault 2>/dev/null | grep -q "TRẠNG THÁI THOÁT" || fail "man eqvault lacks TRẠNG THÁI THOÁT (exit status)"
[ "$(man -L en -w eqvault)" = /usr/share/man/en/man1/eqvault.1.gz ] || fail "man -L en -w eqvault: $(man -L en -w eqvault 2>&1)"
MANWIDTH=80 man -L en eqvault 2>/dev/null | grep -q "EXIT STATUS" || fail "the English man eqvault lacks EXIT STATUS"
# Installed pages are exactly what the binary prints, one per command, in each language.
for lang in vi en; do
  dir=/usr/share/man/man1
  [ "$lang" = en ] && dir=/usr/share/man/en/man1
  eqvault man --lang "$lang" --dir "$tmp/man-$lang" >/dev/null
  for page in "$tmp/man-$lang"/*.1; do
    name="$(basename "$page")"
    zcat "$dir/$name.gz" | cmp -s - "$page" || fail "$dir/$name differs from eqvault man --lang $lang"
  done
  installed_pages="$(find "$dir" -name 'eqvault*.1.gz' | wc -l)"
  [ "$installed_pages" -eq "$(find "$tmp/man-$lang" -name '*.1' | wc -l)" ] || fail "$installed_pages pages installed in $dir"
done

for shell_file in "bash /usr/share/bash-completion/completions/eqvault" \
                  "zsh /usr/share/zsh/vendor-completions/_eqvault" \
                  "fish /usr/share/fish/vendor_completions.d/eqvault.fish"; do
  set -- $shell_file
  [ -f "$2" ] || fail "no $1 completions at $2"
  eqvault completions "$1" | cmp -s - "$2" || fail "$2 differs from eqvault completions $1"
done
# Each shell finds them by itself, as a user's shell would.
got="$(bash -c 'source /usr/share/bash-completion/bash_completion
  COMP_WORDS=(eqvault arch); COMP_CWORD=1; COMP_LINE="eqvault arch"; COMP_POINT=${#COMP_LINE}
  _completion_loader eqvault; $(complete -p eqvault | sed "s/.*-F \([^ ]*\) .*/\1/") eqvault arch eqvault
  printf "%s\n" "${COMPREPLY[@]}"')"
[ "$got" = archive ] || fail "bash (bash-completion's loader) completes 'eqvault arch' to '$got'"
got="$(zsh -fc 'autoload -Uz compinit && compinit -u -D && print -r -- ${_comps[eqvault]}')"
[ "$got" = _eqvault ] || fail "zsh's compinit does not find _eqvault (got '$got')"
# (fish --no-config would also drop the vendor folders; an empty HOME keeps a user's config out.)
mkdir -p "$tmp/home"
got="$(HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" fish -c 'complete -C "eqvault arch"' | cut -f1)"
[ "$got" = archive ] || fail "fish completes 'eqvault arch' to '$got'"
step "man pages and bash, zsh, fish completions in place"

for unit in eqvault.service eqvault@.service; do
  [ -f "/usr/lib/systemd/system/$unit" ] || fail "no /usr/lib/systemd/system/$unit"
done
[ ! -e /etc/systemd/system/multi-user.target.wants/eqvault.service ] || fail "the package enabled eqvault.service"
if command -v systemd-analyze >/dev/null && systemd-analyze verify /usr/lib/systemd/system/systemd-journald.service >/dev/null 2>&1; then
  out="$(systemd-analyze verify /usr/lib/systemd/system/eqvault.service /usr/lib/systemd/system/eqvault@.service 2>&1)" \
    || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
  step "systemd-analyze verify: both units clean (PID 1 is $(ps -p 1 -o comm=))"
else
  step "note: systemd-analyze verify cannot run here; the units were not verified"
fi

getent passwd eqvault >/dev/null || fail "no eqvault user"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd eqvault)
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/eqvault ] && [ "$shell" = /usr/sbin/nologin ] \
  || fail "the eqvault user is not a system user: uid $uid, home $home, shell $shell"
[ "$(stat -c '%U:%G %a' /etc/eqvault)" = "root:eqvault 750" ] || fail "/etc/eqvault is $(stat -c '%U:%G %a' /etc/eqvault)"
dpkg-query -W -f='${Conffiles}\n' eqvault | grep -q '/etc/eqvault/eqvault.toml.example' \
  || fail "the example config is not a conffile"

# --- 3. demo ---------------------------------------------------------------------
demo="$tmp/demo"
chmod 0711 "$tmp"  # mktemp -d is 0700: let the eqvault user reach its folder
install -d -o eqvault -g eqvault "$demo"
step "eqvault demo in an empty folder, as the eqvault user"
start=$SECONDS
(cd "$demo" && setpriv --reuid eqvault --regid eqvault --init-groups \
  env HOME="$demo" /usr/bin/eqvault demo >"$tmp/demo.out" 2>"$tmp/demo.err") \
  || { cat "$tmp/demo.err" >&2; fail "eqvault demo failed"; }
for f in eqvault-demo/report.html eqvault-demo/eqvault.toml; do
  [ -s "$demo/$f" ] || fail "eqvault demo wrote no $f"
done
step "demo took $((SECONDS - start)) s"

# --- 3b. the example config ------------------------------------------------------
# Filled in as its header says (eqvault keys new, every REPLACE, store add), then
# backup, status, the daemon and doctor as the eqvault user; it removes what it made.
start=$SECONDS
bash scripts/check-example-config.sh /etc/eqvault/eqvault.toml.example \
  || fail "the packaged example config does not work when filled in"
step "example config took $((SECONDS - start)) s"

# --- 4. remove -------------------------------------------------------------------
step "dpkg -r eqvault"
dpkg -r eqvault >/dev/null
[ "$(dpkg-query -W -f='${db:Status-Status}' eqvault)" = config-files ] || fail "not in config-files state after dpkg -r"
while read -r path; do
  case "$path" in /etc/*) continue ;; esac
  [ ! -e "$path" ] || fail "dpkg -r left $path"
done < <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}')
# What may stay: the conffile and its folder, and what deb-systemd-helper keeps of
# a removed package's unit (its enable state, a mask: as for every Debian package
# with a unit; purge removes them).
allowed='^(/etc/eqvault|/etc/eqvault/eqvault\.toml\.example|/etc/systemd/system/eqvault\.service|/var/lib/systemd/deb-systemd-helper-(enabled|masked)/eqvault\.service(\.dsh-also)?)$'
left="$(comm -13 <(echo "$before") <(leftovers))"
unexpected="$(echo "$left" | grep -vE "$allowed" | grep -v '^$' || true)"
[ -z "$unexpected" ] || fail "dpkg -r left more than configuration:
$unexpected"
[ -f /etc/eqvault/eqvault.toml.example ] || fail "dpkg -r removed the conffile"
step "dpkg -r left only: $(echo "$left" | tr '\n' ' ')"
dpkg --purge eqvault >/dev/null
status="$(dpkg-query -W -f='${db:Status-Status}' eqvault 2>/dev/null || true)"
case "$status" in "" | not-installed) ;; *) fail "dpkg still has eqvault as $status after purge" ;; esac
left="$(comm -13 <(echo "$before") <(leftovers) | grep -v '^$' || true)"
[ -z "$left" ] || fail "dpkg --purge left: $left"
getent passwd eqvault >/dev/null || fail "purge removed the eqvault user (it must stay: it owns stores and state)"
step "ok: $deb ($(du -h --apparent-size "$deb" | cut -f1)), binary $(du -h --apparent-size "$bin" | cut -f1), glibc <= $newest"
