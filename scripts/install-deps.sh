#!/usr/bin/env bash
# Installs the Debian 12 packages Loft needs to build, run and test. Idempotent: only
# missing packages are installed, and apt-get update runs only when something is missing.
#
#   scripts/install-deps.sh            build + run + test dependencies
#   scripts/install-deps.sh --runtime  only what building and running Loft needs
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev qtkeychain-qt6-dev
  libssh-dev libnfs-dev
)
TEST_PACKAGES=(
  libnfs-utils
  # kernel-client end-to-end suite (tests/e2e)
  qemu-system-x86 busybox-static cpio kmod xz-utils zstd
  # WebDAV and SFTP servers the tests start on loopback
  apache2 apache2-utils rclone openssl openssh-server openssh-client
  # GUI tests: X server, tray host, screenshots, keyring
  xvfb xauth trayer imagemagick dbus dbus-x11 gnome-keyring libsecret-tools
  # benchmarks' peer server
  nfs-ganesha nfs-ganesha-vfs rpcbind iperf3
  # packaging tests (tests/packaging): the .deb in a Debian 12 chroot, lintian, the
  # polkit DTD, the NSIS script, the workflow files
  debootstrap dpkg-dev lintian libxml2-utils polkitd nsis yamllint python3-yaml
  # access tests (tests/load/tst_access): ps as a second account; useradd, runuser,
  # prlimit and mount come with Debian's essential passwd, util-linux and mount
  procps
  # fuzzing (tests/fuzz): clang with libFuzzer and the sanitizer runtimes
  clang-14 libclang-rt-14-dev
)

packages=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" != "--runtime" ]]; then
  packages+=("${TEST_PACKAGES[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 -y -qq)
"${APT[@]}" update
"${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
# Services some of these packages start on install are not wanted: tests start their own.
for svc in apache2 ssh nfs-ganesha rpcbind; do
  "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 \
    || "${SUDO[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
echo "install-deps: done"
