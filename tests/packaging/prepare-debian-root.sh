#!/usr/bin/env bash
# Makes (once) a clean Debian 12 "bookworm" root with debootstrap and keeps it as a
# tarball in the cache, with apt's package lists already fetched, so each packaging test
# unpacks a fresh root in seconds instead of bootstrapping one.
#
#   prepare-debian-root.sh CACHE_DIR     prints the tarball's path on the last line
#
# Uses the mirror this machine's apt uses (debian-mirror.sh). LOFT_PACKAGING_REFRESH=1
# rebuilds the tarball. Needs root (debootstrap, chroot).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${1:?usage: prepare-debian-root.sh CACHE_DIR}
SUITE=bookworm
TARBALL=$CACHE/debian-$SUITE-minbase.tar

log() { echo "prepare-debian-root: $*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (scripts/install-deps.sh)"

# debootstrap mounts /proc and /sys in the new root: keep such mounts in a private mount
# namespace, so they vanish with this script whatever happens to it.
if [[ -z ${LOFT_PREPARE_ROOT_IN_NAMESPACE:-} ]]; then
  exec env LOFT_PREPARE_ROOT_IN_NAMESPACE=1 unshare --mount --propagation private -- "$0" "$@"
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.root.lock"
flock -w 900 9 || die "could not lock $CACHE/.root.lock within 900 s"

read -r _ MIRROR < <("$HERE/debian-mirror.sh" | grep '^main ')
read -r _ SECURITY < <("$HERE/debian-mirror.sh" | grep '^security ')

if [[ ${LOFT_PACKAGING_REFRESH:-0} != 1 && -s $TARBALL ]]; then
  log "cached root: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
  echo "$TARBALL"
  exit 0
fi

WORK=$(mktemp -d "$CACHE/bootstrap.XXXXXX")
ROOT=$WORK/root
cleanup() {
  # Unmount what debootstrap left mounted before removing the tree (belt and braces).
  for m in proc sys dev/pts dev; do
    mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
  done
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

start=$SECONDS
log "debootstrap --variant=minbase $SUITE from $MIRROR (first run only; downloads ~40 MB)"
timeout 1200 debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
log "debootstrap took $((SECONDS - start)) s"

cat >"$ROOT/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
SOURCES
# apt's lists go into the tarball: a test run then only refreshes them.
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
timeout 600 chroot "$ROOT" apt-get -qq update >&2 || die "apt-get update in the new root failed"
chroot "$ROOT" apt-get -qq clean
rm -f "$ROOT/etc/resolv.conf"

tar -C "$ROOT" -cf "$TARBALL.tmp" .
mv "$TARBALL.tmp" "$TARBALL"
log "root ready in $((SECONDS - start)) s: $TARBALL ($(du -h "$TARBALL" | cut -f1))"
echo "$TARBALL"
