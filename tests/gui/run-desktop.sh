#!/bin/sh
# Runs a command on a headless desktop: an Xvfb X server, a system tray host (trayer) and
# a real Secret Service (run-with-keyring.sh). Used by the GUI tests and screenshots.
#   tests/gui/run-desktop.sh COMMAND [ARGS...]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${LOFT_IN_XVFB:-}" ]; then
    command -v xvfb-run >/dev/null || { echo "run-desktop: xvfb-run is missing (apt-get install xvfb xauth)" >&2; exit 1; }
    export LOFT_IN_XVFB=1
    exec xvfb-run -a -s "-screen 0 1280x800x24 -dpi 96 -nolisten tcp" "$0" "$@"
fi
TRAYER_PID=
if command -v trayer >/dev/null; then
    # A panel along the top edge, right-aligned, like a typical desktop's tray.
    trayer --edge top --align right --widthtype percent --width 100 --height 30 --SetDockType true \
           --transparent true --alpha 0 --tint 0x2b303b --iconspacing 6 --padding 6 \
           --expand true >/dev/null 2>&1 &
    TRAYER_PID=$!
    sleep 1
fi
trap '[ -n "$TRAYER_PID" ] && kill "$TRAYER_PID" 2>/dev/null || true' EXIT INT TERM
export QT_QPA_PLATFORM=xcb
"$HERE/run-with-keyring.sh" "$@"
