#!/usr/bin/env bash
# A syntax and logic check of the Windows installer script, not a Windows test: Debian's
# makensis compiles installers/windows/loft.nsi, with warnings as errors, against a staged
# layout of placeholder files shaped like `cmake --install` + windeployqt output (the .ico
# is real, rendered by loft_render_icon). Nothing here runs the installer: the edition and
# Client-for-NFS checks, DISM, the registry writes and the uninstaller run only on Windows
# (the windows workflow builds the real installer).
#
#   nsis-check.sh SOURCE_DIR RENDER_ICON_TOOL VERSION
set -euo pipefail
SRC=$(cd "${1:?usage: nsis-check.sh SOURCE_DIR RENDER_ICON_TOOL VERSION}" && pwd)
RENDER=${2:?}
VERSION=${3:?}
NSI=$SRC/installers/windows/loft.nsi

log() { echo "[nsis] $*"; }
fail() { log "FAIL: $*"; exit 1; }
command -v makensis >/dev/null || fail "makensis is not installed (Debian package nsis; scripts/install-deps.sh)"
log "this is a syntax and logic check (makensis -WX on placeholder files), not a run of the installer"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STAGE=$WORK/stage
mkdir -p "$STAGE/bin/platforms" "$STAGE/bin/imageformats" "$STAGE/bin/iconengines"
for f in bin/loft.exe bin/Qt6Core.dll bin/Qt6Gui.dll bin/Qt6Widgets.dll bin/Qt6Network.dll \
  bin/Qt6Svg.dll bin/qt6keychain.dll bin/ssh.dll bin/platforms/qwindows.dll \
  bin/imageformats/qsvg.dll bin/iconengines/qsvgicon.dll; do
  echo "placeholder for $f" >"$STAGE/$f"
done
"$RENDER" "$SRC/resources/icons/loft.svg" "$STAGE/loft.ico" 16 20 24 32 40 48 64 256 \
  || fail "loft_render_icon could not make loft.ico"

OUT=$WORK/Loft-setup.exe
if ! makensis -WX -V4 "-DSTAGE=$STAGE" "-DVERSION=$VERSION" "-DOUTFILE=$OUT" "$NSI" >"$WORK/makensis.log" 2>&1; then
  grep -iE 'error|warning' "$WORK/makensis.log" | head -20
  tail -5 "$WORK/makensis.log"
  fail "makensis rejected $NSI (above)"
fi
log "PASS: makensis compiled loft.nsi with no warnings"

# The installer holds every staged file plus the unmount script, and is a Windows program.
for f in loft.exe Qt6Core.dll qwindows.dll qsvg.dll loft.ico unmount-loft.cmd; do
  grep -q "^File: \"$f\" [0-9]* bytes" "$WORK/makensis.log" || fail "the installer does not contain $f"
done
[[ $(head -c 2 "$OUT") == MZ ]] || fail "$OUT is not a Windows executable"
log "PASS: the installer ($(du -h "$OUT" | cut -f1)) holds the staged files and unmount-loft.cmd"

# The script refuses to build without its inputs, with a clear message.
if makensis -DVERSION=1 "-DOUTFILE=$WORK/x.exe" "$NSI" >"$WORK/nostage.log" 2>&1; then
  fail "makensis accepted the script without STAGE"
fi
grep -q 'give the staging folder' "$WORK/nostage.log" || fail "no clear message without STAGE"
log "PASS: without /DSTAGE the script stops with a clear message"
