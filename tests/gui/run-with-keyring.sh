#!/bin/sh
# Runs a command with a real Secret Service: a private D-Bus session bus and an unlocked
# gnome-keyring (empty password fed on stdin), in a throw-away keyring directory.
#   tests/gui/run-with-keyring.sh COMMAND [ARGS...]
set -eu
if [ "${LOFT_IN_KEYRING_SESSION:-}" != 1 ]; then
    command -v dbus-run-session >/dev/null || { echo "run-with-keyring: dbus-run-session is missing (apt-get install dbus)" >&2; exit 1; }
    command -v gnome-keyring-daemon >/dev/null || { echo "run-with-keyring: gnome-keyring-daemon is missing (apt-get install gnome-keyring)" >&2; exit 1; }
    export LOFT_IN_KEYRING_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi
KEYRING_HOME=$(mktemp -d /tmp/loft-keyring.XXXXXX)
KEYRING_PID=
trap '[ -n "$KEYRING_PID" ] && kill "$KEYRING_PID" 2>/dev/null; rm -rf "$KEYRING_HOME"' EXIT INT TERM
export XDG_DATA_HOME="$KEYRING_HOME/data" XDG_CONFIG_HOME="$KEYRING_HOME/config"
export XDG_RUNTIME_DIR="$KEYRING_HOME/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# --unlock reads the password of the new login keyring from stdin: an empty line. The
# daemon (kept in the foreground, so its pid is ours to stop) serves
# org.freedesktop.secrets on this session bus.
echo "" | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
KEYRING_PID=$!
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
        | grep -q 'boolean true' && break
    sleep 0.25
done
"$@"
