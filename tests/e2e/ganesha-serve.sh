#!/usr/bin/env bash
# ganesha-serve.sh DIR — serve DIR over NFSv3 with nfs-ganesha (FSAL VFS) on 127.0.0.1, in
# the foreground, behaving like `loft serve DIR` for run-battery.sh: the first stdout line is
#   nfs://127.0.0.1:PORT/EXPORT?mountport=MPORT
# (ganesha cannot put MOUNT and NFS on one port, hence the libnfs-style mountport= query).
# Ganesha's log goes to stderr. SIGTERM/SIGINT stop it; so does the end of this script.
#
# Env: GANESHA_PORT (NFS port, default: LOFT_E2E_PORT, else a free one), GANESHA_MNT_PORT
#      (default: LOFT_E2E_MOUNT_PORT, else PORT+1),
#      GANESHA_STARTUP_TIMEOUT (seconds, default 30).
# Needs rpcbind: when none is listening, one is started in the foreground and stopped on exit.
set -euo pipefail

[[ $# -eq 1 && -d $1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$(cd "$1" && pwd -P)

log() { printf 'ganesha-serve: %s\n' "$*" >&2; }

pkgs=()
for p in nfs-ganesha nfs-ganesha-vfs rpcbind; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || pkgs+=("$p")
done
if ((${#pkgs[@]})); then
  log "installing ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >&2
fi

port_free() { ! ss -Htan "( sport = :$1 )" state listening 2>/dev/null | grep -q .; }
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 20000))
    port_free "$p" && port_free $((p + 1)) && { echo "$p"; return; }
  done
  return 1
}
# run-battery.sh restarts a server with LOFT_E2E_PORT/LOFT_E2E_MOUNT_PORT: come back on those.
PORT=${GANESHA_PORT:-${LOFT_E2E_PORT:-$(pick_port)}}
MNT_PORT=${GANESHA_MNT_PORT:-${LOFT_E2E_MOUNT_PORT:-$((PORT + 1))}}

RUN=$(mktemp -d /tmp/loft-ganesha.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if ! ss -Hln "( sport = :111 )" 2>/dev/null | grep -q .; then
  log "starting rpcbind (none listening on port 111)"
  rpcbind -f -w &
  pids+=($!)
  for _ in $(seq 1 50); do ss -Hln "( sport = :111 )" | grep -q . && break; sleep 0.1; done
fi

mkdir -p "$RUN/recovery"
cat >"$RUN/ganesha.conf" <<EOF
NFS_CORE_PARAM {
    Bind_addr = 127.0.0.1;
    NFS_Port = $PORT;
    MNT_Port = $MNT_PORT;
    Protocols = 3;
    Enable_NLM = false;
    Enable_RQUOTA = false;
    Enable_UDP = false;
    Dbus_Name_Prefix = loft$PORT;
}
NFSV4 {
    Graceless = true;
    RecoveryBackend = fs;
    RecoveryRoot = "$RUN/recovery";
}
EXPORT_DEFAULTS {
    Protocols = 3;
    Transports = TCP;
    SecType = sys;
    PrivilegedPort = false;
}
EXPORT {
    Export_Id = 1;
    Path = "$DIR";
    Pseudo = "$DIR";
    Access_Type = RW;
    Squash = No_Root_Squash;
    FSAL { Name = VFS; }
}
LOG {
    Default_Log_Level = EVENT;
}
EOF

ganesha.nfsd -F -L /dev/stderr -f "$RUN/ganesha.conf" -p "$RUN/ganesha.pid" &
gpid=$!
pids=("$gpid" "${pids[@]}")

deadline=$((SECONDS + ${GANESHA_STARTUP_TIMEOUT:-30}))
until ss -Htln "( sport = :$PORT )" | grep -q . && ss -Htln "( sport = :$MNT_PORT )" | grep -q .; do
  kill -0 "$gpid" 2>/dev/null || { log "ganesha.nfsd exited during startup"; exit 1; }
  ((SECONDS < deadline)) || { log "ganesha.nfsd did not listen on $PORT/$MNT_PORT in time"; exit 1; }
  sleep 0.1
done
echo "nfs://127.0.0.1:$PORT$DIR?mountport=$MNT_PORT"
wait "$gpid"
