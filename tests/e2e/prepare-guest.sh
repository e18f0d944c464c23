#!/usr/bin/env bash
# prepare-guest.sh — build (once) the qemu guest used by the Linux-kernel-client e2e suite.
#
# Produces, in the cache dir ($LOFT_E2E_CACHE, default tests/e2e/.guest/):
#   vmlinuz           Debian's linux-image-amd64 kernel (unpacked with dpkg -x)
#   base.cpio.gz      busybox + the nfsv3/sunrpc/virtio_net modules + the static `nfsmount`
#                     and `e2etool` helpers
#   kernel-version    the kernel release the modules belong to
#   stamp             hash of the inputs; when it matches, this script only checks and exits
# The per-run files (/init, the check library, batteries, run.conf) are NOT in base.cpio.gz:
# run-battery.sh appends them as a second cpio archive for every boot, so editing them never
# requires re-running this script.
#
# Idempotent and safe to run concurrently (flock). Env:
#   LOFT_E2E_CACHE    cache dir
#   LOFT_E2E_REFRESH  =1 to re-download the kernel and rebuild everything
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LOFT_E2E_CACHE:-$HERE/.guest}
# Modules the guest needs; their dependencies are resolved with depmod/modprobe.
MODULES=(virtio_pci virtio_net nfsv3)

log() { printf 'prepare-guest: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- host tools -------------------------------------------------------------------------
need_pkgs=()
for p in qemu-system-x86 busybox-static cpio gcc libc6-dev kmod gzip xz-utils zstd; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  log "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${need_pkgs[@]}" >&2; } \
    || die "apt-get install ${need_pkgs[*]} failed"
fi
DEPMOD=$(command -v depmod || echo /usr/sbin/depmod)
MODPROBE=$(command -v modprobe || echo /usr/sbin/modprobe)

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 600 9 || die "could not lock $CACHE/.lock within 600 s"

# --- kernel package -------------------------------------------------------------------
DEBS=$CACHE/debs
mkdir -p "$DEBS"
if [[ ${LOFT_E2E_REFRESH:-0} == 1 ]]; then rm -f "$DEBS"/*.deb "$CACHE/stamp"; fi

kernel_deb() {
  local f
  for f in "$DEBS"/linux-image-[0-9]*-amd64_*.deb; do [[ -f $f && $f != *-dbg_* ]] && { echo "$f"; return; }; done
}
if [[ -z $(kernel_deb) ]]; then
  log "downloading linux-image-amd64 (Debian archive)"
  # apt-get download writes to the current directory; as root it warns that the _apt
  # sandbox user cannot write there, which is harmless.
  ( cd "$DEBS" && apt-get download -o APT::Sandbox::User=root linux-image-amd64 >&2 ) \
    || { apt-get update >&2 && ( cd "$DEBS" && apt-get download -o APT::Sandbox::User=root linux-image-amd64 >&2 ); } \
    || die "apt-get download linux-image-amd64 failed"
  meta=$(ls "$DEBS"/linux-image-amd64_*.deb | head -1)
  # Depends: linux-image-6.1.0-NN-amd64 (= 6.1.x-y)  -> the versioned image package
  dep=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
  [[ -n $dep ]] || die "cannot find the versioned image package in $meta"
  log "downloading $dep"
  ( cd "$DEBS" && apt-get download -o APT::Sandbox::User=root "$dep" >&2 ) || die "apt-get download $dep failed"
fi
KDEB=$(kernel_deb)
[[ -n $KDEB ]] || die "no kernel package in $DEBS"

# --- stamp: skip the rest when nothing changed ------------------------------------------
stamp=$( { sha256sum "$HERE/prepare-guest.sh" "$HERE/nfsmount.c" "$HERE/e2etool.c"; basename "$KDEB";
           /bin/busybox 2>&1 | head -1; printf '%s\n' "${MODULES[@]}"; } | sha256sum | cut -d' ' -f1)
if [[ -f $CACHE/stamp && $(cat "$CACHE/stamp") == "$stamp" && -f $CACHE/base.cpio.gz && -f $CACHE/vmlinuz ]]; then
  log "guest is up to date in $CACHE (kernel $(cat "$CACHE/kernel-version"))"
  exit 0
fi

log "unpacking $(basename "$KDEB")"
rm -rf "$CACHE/kernel" && mkdir -p "$CACHE/kernel"
dpkg -x "$KDEB" "$CACHE/kernel"
KVER=$(ls "$CACHE/kernel/lib/modules" | head -1)
[[ -n $KVER ]] || die "no modules directory in $KDEB"
cp "$CACHE/kernel/boot/vmlinuz-$KVER" "$CACHE/vmlinuz"

# The uncompressed ELF kernel boots through qemu's PVH entry point (Debian sets CONFIG_PVH):
# no BIOS real-mode setup and no in-guest decompression, which under TCG takes ~2.5 s of a
# ~4 s boot. Extract it from the bzImage; run-battery.sh falls back to vmlinuz without it.
rm -f "$CACHE/vmlinux"
extract_vmlinux() {  # MAGIC DECOMPRESSOR...
  local off
  off=$(LC_ALL=C grep -obUa "$1" "$CACHE/vmlinuz" | head -1 | cut -d: -f1)
  [[ -n $off ]] || return 1
  shift
  tail -c +$((off + 1)) "$CACHE/vmlinuz" | "$@" >"$CACHE/vmlinux.tmp" 2>/dev/null
  [[ $(head -c 4 "$CACHE/vmlinux.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]
}
if extract_vmlinux $'\xfd7zXZ' xz -dc --single-stream || extract_vmlinux $'\x28\xb5\x2f\xfd' zstd -qdc \
   || extract_vmlinux $'\x1f\x8b\x08' gzip -dc; then
  mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux"
else
  rm -f "$CACHE/vmlinux.tmp"
  log "note: could not extract an ELF vmlinux; the guest boots the slower bzImage"
fi
"$DEPMOD" -b "$CACHE/kernel" "$KVER"

# --- initramfs staging -------------------------------------------------------------------
STAGE=$CACHE/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"/{bin,dev,proc,sys,tmp,run,mnt,etc,loft,lib/modules}
cp /bin/busybox "$STAGE/bin/busybox"
mknod -m 600 "$STAGE/dev/console" c 5 1 2>/dev/null || true
mknod -m 666 "$STAGE/dev/null" c 1 3 2>/dev/null || true

log "building the static nfsmount and e2etool helpers"
for tool in nfsmount e2etool; do
  gcc -static -Os -Wall -Wextra -o "$STAGE/bin/$tool" "$HERE/$tool.c"
  strip "$STAGE/bin/$tool" 2>/dev/null || true
done

# Resolve module load order. --show-depends prints `insmod PATH` lines in load order and
# `builtin NAME` for built-in ones; duplicates across modules are dropped.
: >"$STAGE/etc/loft-modules"
declare -A seen=()
for m in "${MODULES[@]}"; do
  while read -r kind path _; do
    [[ $kind == insmod ]] || continue
    rel=${path#"$CACHE/kernel"}
    [[ -n ${seen[$rel]:-} ]] && continue
    seen[$rel]=1
    out=${rel%.xz}; out=${out%.zst}; out=${out%.gz}
    mkdir -p "$STAGE$(dirname "$out")"
    case $rel in
      *.ko.xz)  xz -dc "$path" >"$STAGE$out" ;;
      *.ko.zst) zstd -qdc "$path" >"$STAGE$out" ;;
      *.ko.gz)  gzip -dc "$path" >"$STAGE$out" ;;
      *.ko)     cp "$path" "$STAGE$out" ;;
      *) die "unexpected module file $path" ;;
    esac
    echo "$out" >>"$STAGE/etc/loft-modules"
  done < <("$MODPROBE" -d "$CACHE/kernel" -S "$KVER" --show-depends "$m" \
             || die "modprobe --show-depends $m failed")
done
log "modules: $(xargs -n1 basename <"$STAGE/etc/loft-modules" | tr '\n' ' ')"

( cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 ) \
  | gzip -6 >"$CACHE/base.cpio.gz.tmp"
mv "$CACHE/base.cpio.gz.tmp" "$CACHE/base.cpio.gz"
echo "$KVER" >"$CACHE/kernel-version"
rm -rf "$STAGE" "$CACHE/kernel"   # ~400 MB unpacked; the .deb stays for rebuilds
echo "$stamp" >"$CACHE/stamp"
log "guest ready in $CACHE: kernel $KVER, initramfs $(du -h "$CACHE/base.cpio.gz" | cut -f1)"
