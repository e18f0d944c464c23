#!/usr/bin/env bash
# shellcheck disable=SC2016 # dpkg-query's ${Field} formats are meant literally
# The .deb, end to end: build it with CPack from the build tree, check it with lintian
# (no errors allowed), install it with `apt-get install ./loft_*.deb` into a clean
# Debian 12 root (debootstrap, cached as a tarball; apt resolves the dependencies from
# the Debian archive), then from inside that root run `loft --version`, check the
# installed desktop entry, icons, autostart entry, polkit action and mount helper, and
# serve a folder with `loft serve`; the host lists and reads it with libnfs; and start the
# desktop app there on an X server (Xvfb), reached with `loft list`.
#
#   deb-install-test.sh BUILD_DIR CACHE_DIR
#
# Needs root (chroot, mounts); exits 77 (CTest: skipped) without it. All mounts live in a
# private mount namespace (unshare), so they vanish with this script even if it is
# killed; the trap also unmounts and removes the root on every exit.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: deb-install-test.sh BUILD_DIR CACHE_DIR}" && pwd)
CACHE=${2:?usage: deb-install-test.sh BUILD_DIR CACHE_DIR}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)

T0=$SECONDS
log() { printf '[deb %4ds] %s\n' $((SECONDS - T0)) "$*"; }
fail() { log "FAIL: $*"; exit 1; }
pass() { log "PASS: $*"; }
trap 'log "FAIL: unexpected error at line $LINENO"' ERR

if [[ $(id -u) -ne 0 ]]; then
  log "SKIPPED: needs root for chroot and mounts (CI runs as root)"
  exit 77
fi
for tool in cpack lintian debootstrap unshare chroot nfs-ls nfs-cat xmllint Xvfb; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done

# Everything below runs in a private mount namespace.
if [[ -z ${LOFT_DEB_TEST_IN_NAMESPACE:-} ]]; then
  exec env LOFT_DEB_TEST_IN_NAMESPACE=1 unshare --mount --propagation private -- "$0" "$@"
fi

# --- 1. build the package --------------------------------------------------------------
OUT=$BUILD/packages
rm -f "$OUT"/loft_*.deb
log "cpack -G DEB"
cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$OUT" >"$OUT.cpack.log" 2>&1 \
  || { tail -30 "$OUT.cpack.log"; fail "cpack failed (log above)"; }
DEB=$(ls "$OUT"/loft_*.deb)
[[ -f $DEB ]] || fail "no loft_*.deb in $OUT"
VERSION=$(dpkg-deb -f "$DEB" Version)
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
log "built $(basename "$DEB") ($(du -h "$DEB" | cut -f1)); Depends: $DEPENDS"
for dep in libqt6core6 libqt6widgets6 libqt6network6 libqt6svg6 libqt6keychain1 libssh-4 nfs-common; do
  [[ ,$DEPENDS, == *", $dep"[\ ,]* || ,$DEPENDS, == *",$dep"[\ ,]* ]] || fail "Depends lacks $dep"
done
pass "Depends names Qt 6, QtKeychain (qt6), libssh and nfs-common"

# --- 2. lintian ------------------------------------------------------------------------
log "lintian"
# Exit status: 0 clean, 1 error tags, anything else lintian itself failed.
lintian_rc=0
lintian_out=$(lintian --allow-root --tag-display-limit 0 "$DEB" 2>&1) || lintian_rc=$?
[[ -z $lintian_out ]] || printf '%s\n' "$lintian_out" | sed 's/^/  lintian: /'
((lintian_rc <= 1)) || fail "lintian could not check the package (exit $lintian_rc)"
errors=$(printf '%s\n' "$lintian_out" | grep -c '^E: ' || true)
((lintian_rc == 0 || errors > 0)) || fail "lintian exited 1 without listing errors"
warnings=$(printf '%s\n' "$lintian_out" | grep -c '^W: ' || true)
((errors == 0)) || fail "lintian reports $errors error(s)"
pass "lintian: 0 errors, $warnings warning(s)"

# --- 3. a clean Debian 12 root ---------------------------------------------------------
TARBALL=$("$HERE/prepare-debian-root.sh" "$CACHE" | tail -1)
# The root lives on a tmpfs in this namespace: fast to fill and gone with the namespace.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/loft-deb-test.XXXXXX")
ROOT=$WORK/root
SERVER_PID='' GUI_PID='' XVFB_PID=''
cleanup() {
  local rc=$?
  for pid in "$SERVER_PID" "$GUI_PID" "$XVFB_PID"; do
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for m in "$ROOT/tmp/.X11-unix" "$ROOT/var/cache/apt/archives" "$ROOT/dev" "$ROOT/proc" "$WORK"; do
    if mountpoint -q "$m" 2>/dev/null; then umount -l "$m"; fi
  done
  rm -rf --one-file-system "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount -t tmpfs -o size=3g,mode=0755 loft-deb-test "$WORK"
mkdir -p "$ROOT" "$CACHE/apt-archives/partial"
tar -C "$ROOT" -xf "$TARBALL"
# dpkg need not fsync every file of a throw-away root.
echo force-unsafe-io >"$ROOT/etc/dpkg/dpkg.cfg.d/loft-test-unsafe-io"
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
# Downloaded .debs are kept between runs (only the first run fetches the Qt stack).
mount --bind "$CACHE/apt-archives" "$ROOT/var/cache/apt/archives"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# No service may start inside the chroot (nfs-common pulls in rpcbind).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }
log "clean root unpacked from $(basename "$TARBALL")"

# --- 4. apt-get install ./loft_*.deb ---------------------------------------------------
cp "$DEB" "$ROOT/tmp/"
in_root timeout 300 apt-get -qq update || fail "apt-get update in the root failed"
before=$(in_root dpkg-query -W -f='${Package}\n' | wc -l)
log "apt-get install ./$(basename "$DEB") (resolving its dependencies from the archive)"
# The .deb cache is shared: one install at a time uses it (another run waits).
exec 8>"$CACHE/.apt-archives.lock"
flock -w 900 8 || fail "could not lock $CACHE/.apt-archives.lock within 900 s"
in_root timeout 900 apt-get install -y -q --no-install-recommends "./tmp/$(basename "$DEB")" \
  >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log"; fail "apt-get install failed (log above)"; }
flock -u 8
after=$(in_root dpkg-query -W -f='${Package}\n' | wc -l)
[[ $(in_root dpkg-query -W -f='${Status}' loft) == "install ok installed" ]] || fail "loft is not installed"
pass "apt-get installed loft $VERSION and $((after - before - 1)) dependencies"
# The recommended packages exist in Debian 12 (dry run: nothing is installed).
RECOMMENDS=$(dpkg-deb -f "$DEB" Recommends | tr -d ' ' | tr ',' '\n' | cut -d'|' -f1 | tr '\n' ' ')
# shellcheck disable=SC2086 # one word per package
in_root apt-get install -s -qq $RECOMMENDS >/dev/null || fail "Recommends ($RECOMMENDS) do not resolve"
pass "Recommends resolve: $RECOMMENDS"

# --- 5. what the package installed -----------------------------------------------------
got=$(in_root loft --version) || fail "loft --version failed"
[[ $got == "loft $VERSION" ]] || fail "loft --version printed '$got', expected 'loft $VERSION'"
pass "loft --version: $got"

for f in usr/bin/loft usr/share/applications/loft.desktop usr/share/icons/hicolor/scalable/apps/loft.svg \
  usr/share/icons/hicolor/48x48/apps/loft.png usr/share/icons/hicolor/256x256/apps/loft.png \
  etc/xdg/autostart/loft.desktop usr/share/polkit-1/actions/org.loft.mount.policy \
  usr/libexec/loft/loft-mount-helper usr/share/doc/loft/copyright usr/share/doc/loft/changelog.gz \
  usr/share/man/man1/loft.1.gz; do
  [[ -e $ROOT/$f ]] || fail "/$f is missing"
done
# Each PNG icon is a PNG of its folder's size (width and height at bytes 16..23).
for png in "$ROOT"/usr/share/icons/hicolor/*x*/apps/loft.png; do
  size=${png%/apps/loft.png}; size=${size##*/}; size=${size%%x*}
  [[ $(head -c 8 "$png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$png is not a PNG"
  dims=$(od -An -tu1 -j16 -N8 "$png" | awk '{ print $3 * 256 + $4, $7 * 256 + $8 }')
  [[ $dims == "$size $size" ]] || fail "$png is $dims, expected ${size}x$size"
done
grep -q '^/etc/xdg/autostart/loft.desktop$' "$ROOT/var/lib/dpkg/info/loft.conffiles" \
  || fail "the autostart entry is not a conffile"
# Loaded, not linked: the platform plugin and the SVG plugins the tray icons need.
for plugin in platforms/libqxcb.so iconengines/libqsvgicon.so imageformats/libqsvg.so; do
  [[ -e $ROOT/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/qt6/plugins/$plugin ]] \
    || fail "the Qt plugin $plugin is not installed"
done
pngs=("$ROOT"/usr/share/icons/hicolor/*x*/apps/loft.png)
pass "desktop entry, hicolor icons (SVG + ${#pngs[@]} PNG sizes), autostart conffile, docs, man page, Qt xcb and SVG plugins"

# The polkit action names the installed helper, which validates what it is asked to run.
policy=$ROOT/usr/share/polkit-1/actions/org.loft.mount.policy
xmllint --noout --dtdvalid /usr/share/polkit-1/policyconfig-1.dtd "$policy" || fail "policy is not valid"
helper=$(sed -n 's:.*key="org.freedesktop.policykit.exec.path">\([^<]*\)<.*:\1:p' "$policy")
[[ $helper == /usr/libexec/loft/loft-mount-helper && -x $ROOT$helper ]] || fail "policy names '$helper', not the installed helper"
in_root useradd --create-home --uid 4711 lofttest
mkdir "$ROOT/home/lofttest/Cloud"
chown 4711:4711 "$ROOT/home/lofttest/Cloud"
in_root sh -c 'command -v mount.nfs' >/dev/null || fail "mount.nfs is not in the root (nfs-common)"
dry=$(in_root env LOFT_MOUNT_HELPER_DRY_RUN=1 PKEXEC_UID=4711 "$helper" mount 127.0.0.1:/abc /home/lofttest/Cloud -o vers=3,port=1,mountport=1)
[[ $dry == "mount.nfs 127.0.0.1:/abc /home/lofttest/Cloud -o vers=3,port=1,mountport=1,nosuid,nodev" ]] \
  || fail "helper dry run printed '$dry'"
if in_root env LOFT_MOUNT_HELPER_DRY_RUN=1 PKEXEC_UID=4711 "$helper" mount 127.0.0.1:/abc /root -o vers=3 2>/dev/null; then
  fail "helper accepted another user's folder"
fi
pass "polkit action org.loft.mount (DTD-valid) names $helper; it mounts only on the caller's folders"

# --- 6. loft serve inside the root, read from the host with libnfs ----------------------
mkdir -p "$ROOT/home/lofttest/share/sub"
printf 'hello from the installed package\n' >"$ROOT/home/lofttest/share/hello.txt"
chown -R 4711:4711 "$ROOT/home/lofttest/share"
: >"$WORK/serve.out"
# --pdeathsig (set after chroot's uid change, which would clear it): the server dies with
# this script even when it is killed without a chance to run its trap.
chroot --userspec=4711:4711 "$ROOT" setpriv --pdeathsig KILL env -i PATH=/usr/bin:/bin HOME=/home/lofttest \
  loft serve --state-dir /home/lofttest/state /home/lofttest/share >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
url=
for _ in $(seq 150); do # up to 30 s for the first line (the URL)
  url=$(head -n 1 "$WORK/serve.out")
  [[ -n $url ]] || ! kill -0 "$SERVER_PID" 2>/dev/null && break
  sleep 0.2
done
[[ $url =~ ^nfs://127\.0\.0\.1:([0-9]+)(/[A-Za-z0-9]+)$ ]] \
  || { cat "$WORK/serve.err"; fail "loft serve printed '$url', not its URL, within 30 s"; }
port=${BASH_REMATCH[1]} export=${BASH_REMATCH[2]}
log "loft serve (uid 4711, in the root) is at $url"
libnfs="nfs://127.0.0.1$export?nfsport=$port&mountport=$port&version=3&uid=4711&gid=4711"
listing=$(timeout 30 nfs-ls "$libnfs") || fail "nfs-ls failed"
printf '%s\n' "$listing" | sed 's/^/  nfs-ls: /'
grep -q ' hello.txt$' <<<"$listing" || fail "nfs-ls does not list hello.txt"
grep -q ' sub$' <<<"$listing" || fail "nfs-ls does not list sub"
content=$(timeout 30 nfs-cat "nfs://127.0.0.1$export/hello.txt?nfsport=$port&mountport=$port&version=3&uid=4711&gid=4711")
[[ $content == "hello from the installed package" ]] || fail "nfs-cat read '$content'"
pass "the host's libnfs lists and reads the folder served by the installed loft"
kill -TERM "$SERVER_PID"
for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "loft serve did not stop within 10 s of SIGTERM"
wait "$SERVER_PID" && rc=0 || rc=$?
SERVER_PID=
((rc == 0)) || fail "loft serve exited $rc on SIGTERM"
pass "loft serve stopped cleanly on SIGTERM"

# --- 7. the desktop app inside the root, on an X server ----------------------------------
# Xvfb runs on the host; its socket folder is bind-mounted into the root. The tray app
# starts with Qt's xcb platform plugin from the installed packages, and `loft list` (a
# second process) reaches it over its single-instance socket.
mkdir -p "$ROOT/tmp/.X11-unix"
setpriv --pdeathsig KILL Xvfb -displayfd 7 -nolisten tcp -screen 0 1024x768x24 7>"$WORK/display" 2>"$WORK/xvfb.err" &
XVFB_PID=$!
for _ in $(seq 100); do [[ -s $WORK/display ]] && break; sleep 0.1; done
display=$(cat "$WORK/display")
[[ $display =~ ^[0-9]+$ ]] || { cat "$WORK/xvfb.err"; fail "Xvfb did not start"; }
mount --bind /tmp/.X11-unix "$ROOT/tmp/.X11-unix"
install -d -m 0700 -o 4711 -g 4711 "$ROOT/tmp/runtime-lofttest"
as_user() { chroot --userspec=4711:4711 "$ROOT" setpriv --pdeathsig KILL env -i PATH=/usr/bin:/bin \
  HOME=/home/lofttest XDG_RUNTIME_DIR=/tmp/runtime-lofttest DISPLAY=":$display" QT_QPA_PLATFORM=xcb "$@"; }
as_user loft >"$WORK/gui.out" 2>"$WORK/gui.err" &
GUI_PID=$!
answer=
for _ in $(seq 40); do # up to 20 s
  kill -0 "$GUI_PID" 2>/dev/null || { cat "$WORK/gui.err"; fail "the desktop app exited"; }
  if answer=$(as_user timeout 5 loft list 2>/dev/null); then break; fi
  sleep 0.5
done
[[ $answer == "No mounts yet"* ]] || { cat "$WORK/gui.err"; fail "loft list did not reach the desktop app (got '$answer')"; }
if grep -E "Could not (load|find) the Qt platform plugin|QIcon|svg" "$WORK/gui.err"; then
  fail "the desktop app reported missing Qt plugins (above)"
fi
pass "the desktop app runs in the root on X (xcb) and answers loft list: $answer"
if command -v import >/dev/null; then
  sleep 3 # no tray host here: the status window shows after 3 s
  import -display ":$display" -window root "$BUILD/packages/desktop-in-debian-root.png" 2>/dev/null \
    && log "screenshot: $BUILD/packages/desktop-in-debian-root.png"
fi
sed 's/^/  desktop app stderr: /' "$WORK/gui.err"
# No mount is set to auto-mount, so Loft turns the package's autostart entry off for this
# user with an override (XDG: same name, Hidden=true), leaving /etc/xdg alone.
grep -qx 'Hidden=true' "$ROOT/home/lofttest/.config/autostart/loft.desktop" 2>/dev/null \
  || fail "Loft did not write a Hidden=true autostart override for the user"
grep -q '^Exec=loft$' "$ROOT/etc/xdg/autostart/loft.desktop" || fail "the system autostart entry changed"
pass "with no auto-mount, Loft switched the system autostart entry off for this user only"
kill -TERM "$GUI_PID"
wait "$GUI_PID" 2>/dev/null || true
GUI_PID=
kill -TERM "$XVFB_PID"
wait "$XVFB_PID" 2>/dev/null || true
XVFB_PID=

log "all checks passed in $((SECONDS - T0)) s"
