#!/usr/bin/env bash
# run-battery.sh — Linux-kernel-NFS-client end-to-end driver.
#
#   run-battery.sh [options] -- SERVER_CMD [ARG...]
#
# 1. prepares the guest (prepare-guest.sh; cached, fast when nothing changed);
# 2. creates the folder to serve, runs each battery's host-side `battery_setup`;
# 3. starts SERVER_CMD (any argument '@DIR@' is replaced by that folder; without one the
#    folder is appended) and reads its first stdout line, which must be
#      nfs://127.0.0.1:PORT/EXPORT[?mountport=MPORT]
#    (what `loft serve DIR` prints);
# 4. boots Debian's kernel in qemu (TCG) with a busybox initramfs; the guest mounts
#    10.0.2.2:/EXPORT (qemu's alias for the host's 127.0.0.1) with the kernel NFS client,
#    runs the batteries and prints CHECK lines on its serial console;
# 5. stops the server, runs each battery's host-side `battery_verify`, prints a summary.
# Exit status: 0 when every check passed and the guest finished; 1 otherwise; 2 usage.
#
# Options:
#   -b, --battery NAME   run tests/e2e/battery-NAME.sh (repeatable, in order; default: basic)
#   -d, --dir DIR        folder to serve (default: a fresh one inside the run dir)
#   -k, --keep           keep the run dir (console, server log, served folder) even on success
#   -t, --timeout SEC    hard limit for the guest, boot to power-off (default 300)
#   -v, --verbose        echo the whole guest console live (default: CHECK lines only)
# Env:
#   LOFT_E2E_CACHE               guest cache dir (see prepare-guest.sh)
#   LOFT_E2E_TIMEOUT             as --timeout
#   LOFT_E2E_SERVER_TIMEOUT      seconds to wait for the server's URL line (default 30)
#   LOFT_E2E_MOUNT_OPTIONS_CMD   command printing the mount(2) options; {host} and {port}
#                                are replaced by the guest-side server address and port
#   LOFT_BIN                     the loft executable (default: SERVER_CMD's first word when
#                                it is named `loft`), used for `loft mount-options`
#   LOFT_E2E_EXTRA_OPTIONS       appended to the mount options (e.g. "actimeo=0")
#   LOFT_E2E_QEMU_ARGS           extra qemu arguments (word-split)
#   LOFT_E2E_SKIP_PREPARE        =1: do not run prepare-guest.sh
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${LOFT_E2E_CACHE:-$HERE/.guest}
GUEST_SERVER_ADDR=10.0.2.2   # qemu user networking: the host's loopback, seen from the guest

BATTERIES=()
SERVE_DIR=
KEEP=0
TIMEOUT=${LOFT_E2E_TIMEOUT:-300}
VERBOSE=0
SERVER_TIMEOUT=${LOFT_E2E_SERVER_TIMEOUT:-30}

usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
say() { printf 'e2e: %s\n' "$*"; }
die() { printf 'e2e: error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case $1 in
    -b|--battery) BATTERIES+=("${2:?}"); shift 2 ;;
    -d|--dir) SERVE_DIR=${2:?}; shift 2 ;;
    -k|--keep) KEEP=1; shift ;;
    -t|--timeout) TIMEOUT=${2:?}; shift 2 ;;
    -v|--verbose) VERBOSE=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    *) echo "e2e: unknown option $1" >&2; usage ;;
  esac
done
(($#)) || usage
SERVER_CMD=("$@")
((${#BATTERIES[@]})) || BATTERIES=(basic)
for b in "${BATTERIES[@]}"; do
  [[ $b =~ ^[A-Za-z0-9_-]+$ ]] || die "bad battery name '$b'"
  [[ -f $HERE/battery-$b.sh ]] || die "no battery $HERE/battery-$b.sh"
done

T0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- run dir and cleanup ---------------------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/loft-e2e.XXXXXX")
SERVER_PID=
QEMU_PID=
FAILED_RUN=1
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  # SERVER_CMD runs in its own session (setsid): signal the whole process group.
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null

  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    say "server did not stop within 10 s of SIGTERM; killing it"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
cleanup() {
  [[ -n $QEMU_PID ]] && kill -KILL "$QEMU_PID" 2>/dev/null
  stop_server
  if ((KEEP || FAILED_RUN)); then
    say "run dir kept: $RUN"
  else
    rm -rf "$RUN"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- guest ---------------------------------------------------------------------------------
if [[ ${LOFT_E2E_SKIP_PREPARE:-0} != 1 ]]; then
  "$HERE/prepare-guest.sh" 2>"$RUN/prepare.log" || { cat "$RUN/prepare.log" >&2; die "prepare-guest.sh failed"; }
fi
[[ -f $CACHE/vmlinuz && -f $CACHE/base.cpio.gz ]] || die "no guest in $CACHE (run prepare-guest.sh)"

# --- served folder and host-side setup --------------------------------------------------------
if [[ -z $SERVE_DIR ]]; then SERVE_DIR=$RUN/export; fi
mkdir -p "$SERVE_DIR" || die "cannot create $SERVE_DIR"
SERVE_DIR=$(cd "$SERVE_DIR" && pwd -P)

# Host-side helpers for battery-NAME.host.sh (bash). Results go to $RUN/host-checks.
host_result() { echo "CHECK $1 $2${3:+ $3}" | tee -a "$RUN/host-checks"; }
host_pass() { host_result "host.$BATTERY.$1" PASS; }
host_fail() { host_result "host.$BATTERY.$1" FAIL "$(printf '%s' "${2:-failed}" | tr '\n\r\t' '   ' | cut -c1-300)"; }
host_check() {
  local name=$1 out rc; shift
  out=$("$@" 2>&1) && { host_pass "$name"; return 0; }
  rc=$?
  host_fail "$name" "exit $rc: $*: $out"; return 1
}
host_check_eq() {
  local name=$1 want=$2 out rc; shift 2
  out=$("$@" 2>&1); rc=$?
  [[ $rc -eq 0 && $out == "$want" ]] && { host_pass "$name"; return 0; }
  host_fail "$name" "$*: exit $rc, expected '$want', got '$out'"; return 1
}
# guest_note KEY: the VALUE the guest printed with `note KEY VALUE` in this battery.
guest_note() {
  tr -d '\r' <"$RUN/console.log" | sed -n "s/^NOTE $BATTERY\.$1 //p" | tail -n 1
}
# guest_result CHECK: PASS, FAIL or SKIP for a guest check of this battery (empty if absent).
guest_result() {
  tr -d '\r' <"$RUN/console.log" | sed -n "s/^CHECK $BATTERY\.$1 \(PASS\|FAIL\|SKIP\).*/\1/p" | tail -n 1
}
export -f host_result host_pass host_fail host_check host_check_eq guest_note guest_result
export RUN

# run_hook BATTERY FUNCTION: calls FUNCTION W in a subshell with battery-BATTERY.host.sh loaded.
run_hook() {
  local b=$1 fn=$2 hook=$HERE/battery-$1.host.sh
  [[ -f $hook ]] || return 0
  (
    BATTERY=$b
    # shellcheck source=/dev/null
    . "$hook"
    if declare -F "$fn" >/dev/null; then "$fn" "$SERVE_DIR/$b"; fi
  )
}
for b in "${BATTERIES[@]}"; do
  mkdir -p "$SERVE_DIR/$b"
  run_hook "$b" battery_setup || die "battery_setup of $b failed"
done

# --- server ----------------------------------------------------------------------------------
cmd=()
subst=0
for a in "${SERVER_CMD[@]}"; do
  [[ $a == *@DIR@* ]] && subst=1
  cmd+=("${a//@DIR@/$SERVE_DIR}")
done
((subst)) || cmd+=("$SERVE_DIR")
say "server: ${cmd[*]}"
TS=$(date +%s.%N)
setsid "${cmd[@]}" >"$RUN/server.out" 2>"$RUN/server.log" </dev/null &
SERVER_PID=$!

url=
deadline=$((SECONDS + SERVER_TIMEOUT))
while :; do
  if [[ -s $RUN/server.out ]] && IFS= read -r line <"$RUN/server.out" && [[ $(wc -l <"$RUN/server.out") -ge 1 ]]; then
    url=$line; break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$RUN/server.log" >&2; die "server exited before printing its URL"; }
  ((SECONDS < deadline)) || { tail -n 20 "$RUN/server.log" >&2; die "server printed no URL within ${SERVER_TIMEOUT} s"; }
  sleep 0.05
done
[[ $url =~ ^nfs://127\.0\.0\.1:([0-9]+)(/[^?]*)(\?(.*))?$ ]] \
  || die "server's first line is not nfs://127.0.0.1:PORT/EXPORT: '$url'"
PORT=${BASH_REMATCH[1]}
EXPORT=${BASH_REMATCH[2]}
MOUNT_PORT=$PORT
[[ ${BASH_REMATCH[4]} =~ (^|&)mountport=([0-9]+) ]] && MOUNT_PORT=${BASH_REMATCH[2]}
say "server up in $(elapsed "$TS") s: port $PORT, mount port $MOUNT_PORT, export $EXPORT"

# --- mount options: one source of truth --------------------------------------------------
# Loft's own mount helper (`loft mount-options`) decides the options; this suite uses the
# same ones. Order: $LOFT_E2E_MOUNT_OPTIONS_CMD, then `loft mount-options`, then a default.
LOFT_BIN=${LOFT_BIN:-}
[[ -z $LOFT_BIN && $(basename "${cmd[0]}") == loft ]] && LOFT_BIN=${cmd[0]}
mount_options() {  # HOST PORT
  local c
  if [[ -n ${LOFT_E2E_MOUNT_OPTIONS_CMD:-} ]]; then
    c=${LOFT_E2E_MOUNT_OPTIONS_CMD//\{host\}/$1}; c=${c//\{port\}/$2}
    OPTIONS_FROM="LOFT_E2E_MOUNT_OPTIONS_CMD ($c)"
    timeout 20 bash -c "$c" || die "LOFT_E2E_MOUNT_OPTIONS_CMD failed: $c"
  elif [[ -n $LOFT_BIN ]] && timeout 20 "$LOFT_BIN" mount-options --host "$1" --port "$2" 2>/dev/null; then
    OPTIONS_FROM="$LOFT_BIN mount-options"
  else
    OPTIONS_FROM="built-in default -- NOTE: 'loft mount-options' is not available (set LOFT_BIN or LOFT_E2E_MOUNT_OPTIONS_CMD)"
    echo "vers=3,proto=tcp,port=$2,mountport=$2,mountproto=tcp,nolock,noacl,addr=$1,mountaddr=$1"
  fi
}
OPTIONS_FROM=
mount_options "$GUEST_SERVER_ADDR" "$PORT" >"$RUN/mount-options"   # no subshell: keeps OPTIONS_FROM
OPTIONS=$(head -n 1 "$RUN/mount-options" | tr -d '[:space:]')
[[ -n $OPTIONS ]] || die "empty mount options"
if [[ $MOUNT_PORT != "$PORT" ]]; then   # a server with a separate MOUNT port (ganesha)
  if [[ $OPTIONS =~ (^|,)mountport=[0-9]+ ]]; then
    OPTIONS=$(sed -E "s/(^|,)mountport=[0-9]+/\1mountport=$MOUNT_PORT/" <<<"$OPTIONS")
  else
    OPTIONS+=",mountport=$MOUNT_PORT"
  fi
fi
[[ -n ${LOFT_E2E_EXTRA_OPTIONS:-} ]] && OPTIONS+=",$LOFT_E2E_EXTRA_OPTIONS"
say "mount options ($OPTIONS_FROM): $OPTIONS"

# --- per-run initramfs: /init, the check library, run.conf, the batteries ---------------------
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }   # POSIX-sh single quoting
OV=$RUN/overlay
mkdir -p "$OV/loft/batteries"
cp "$HERE/guest/init" "$OV/init"
cp "$HERE/guest/lib.sh" "$OV/loft/lib.sh"
for b in "${BATTERIES[@]}"; do cp "$HERE/battery-$b.sh" "$OV/loft/batteries/$b.sh"; done
{
  echo "LOFT_SERVER_ADDR=$(q "$GUEST_SERVER_ADDR")"
  echo "LOFT_EXPORT=$(q "$EXPORT")"
  echo "LOFT_OPTIONS=$(q "$OPTIONS")"
  echo "LOFT_BATTERIES=$(q "${BATTERIES[*]}")"
  echo "LOFT_VERBOSE=$VERBOSE"
} >"$OV/loft/run.conf"
chmod 755 "$OV/init"
( cd "$OV" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 ) | gzip -1 >"$RUN/overlay.cpio.gz"
cat "$CACHE/base.cpio.gz" "$RUN/overlay.cpio.gz" >"$RUN/initrd.gz"

# --- boot ----------------------------------------------------------------------------------
# The ELF vmlinux boots through PVH (fast); the bzImage is the fallback.
KERNEL=$CACHE/vmlinux
[[ -f $KERNEL ]] || KERNEL=$CACHE/vmlinuz
# shellcheck disable=SC2054  # commas belong to qemu option values
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1
      -nodefaults -no-user-config -display none -no-reboot
      -serial stdio -monitor none
      -kernel "$KERNEL" -initrd "$RUN/initrd.gz"
      -append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init mitigations=off"
      -netdev user,id=n0,ipv6=off -device virtio-net-pci,netdev=n0,romfile=)
# shellcheck disable=SC2206
qemu+=(${LOFT_E2E_QEMU_ARGS:-})
say "booting the guest (timeout ${TIMEOUT} s): batteries ${BATTERIES[*]}"
TB=$(date +%s.%N)
: >"$RUN/console.log"
timeout -k 5 "$TIMEOUT" "${qemu[@]}" </dev/null >"$RUN/console.log" 2>"$RUN/qemu.err" &
QEMU_PID=$!

# Follow the console: echo CHECK lines (or everything with -v), stamp the markers' host times.
declare -A MARK=()
shown=0
follow() {
  local n line
  n=$(wc -l <"$RUN/console.log")
  ((n > shown)) || return 0
  while IFS= read -r line; do
    line=${line%$'\r'}
    if ((VERBOSE)); then printf '  | %s\n' "$line"
    elif [[ $line == CHECK\ * || $line == LOFT-E2E\ WARN* ]]; then printf '  %s\n' "$line"; fi
    case $line in
      "LOFT-E2E BOOTED"*) MARK[booted]=$(elapsed "$TB") ;;
      "LOFT-E2E MOUNTED"*) MARK[mounted]=$(elapsed "$TB") ;;
      "LOFT-E2E END"*) MARK[end]=$(elapsed "$TB") ;;
    esac
  done < <(sed -n "$((shown + 1)),${n}p" "$RUN/console.log")
  shown=$n
}
while kill -0 "$QEMU_PID" 2>/dev/null; do follow; sleep 0.1; done
wait "$QEMU_PID"; QEMU_RC=$?
QEMU_PID=
follow
GUEST_TIME=$(elapsed "$TB")
[[ -s $RUN/qemu.err ]] && sed 's/^/  qemu: /' "$RUN/qemu.err"

# --- stop the server, verify on the host ---------------------------------------------------
stop_server
: >"$RUN/host-checks"
for b in "${BATTERIES[@]}"; do
  if ! tr -d '\r' <"$RUN/console.log" | grep -q "^LOFT-E2E BATTERY $b END"; then
    [[ -f $HERE/battery-$b.host.sh ]] && say "host verify of $b skipped: the battery did not complete in the guest"
    continue
  fi
  run_hook "$b" battery_verify >/dev/null 2>"$RUN/verify-$b.err" \
    || [[ ! -s $RUN/verify-$b.err ]] || sed "s/^/  verify $b: /" "$RUN/verify-$b.err"
done
sed 's/^/  /' "$RUN/host-checks"

# --- summary --------------------------------------------------------------------------------
tr -d '\r' <"$RUN/console.log" | grep -E '^CHECK [^ ]+ (PASS|FAIL|SKIP)' >"$RUN/checks"
cat "$RUN/host-checks" >>"$RUN/checks"
npass=$(grep -c ' PASS' "$RUN/checks")
nfail=$(grep -c ' FAIL' "$RUN/checks")
nskip=$(grep -c ' SKIP' "$RUN/checks")
problems=()
if ((QEMU_RC == 124 || QEMU_RC == 137)); then problems+=("guest timed out after ${TIMEOUT} s")
elif [[ -z ${MARK[end]:-} ]]; then problems+=("guest did not finish (qemu exit $QEMU_RC)"); fi
[[ -z ${MARK[booted]:-} ]] && problems+=("guest /init never started")
((npass + nfail == 0)) && problems+=("no check ran")
# A check that began but never printed its result is the one that hung (or crashed the guest).
last_begin=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^BEGIN //p' | tail -n 1)
if [[ -n $last_begin && -z ${MARK[end]:-} ]] && ! grep -q "^CHECK $last_begin " "$RUN/checks"; then
  problems+=("check $last_begin began but never finished")
fi

echo
say "---- summary (batteries: ${BATTERIES[*]}; server: ${cmd[0]##*/}) ----"
grep ' FAIL' "$RUN/checks" | sed 's/^/  /'
bt=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E BOOTED uptime=//p')
mt=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E MOUNTED uptime=//p')
et=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E END uptime=//p')
bat='?'
[[ -n $mt && -n $et ]] && bat=$(awk -v a="$mt" -v b="$et" 'BEGIN { printf "%.1f", b - a }')
say "timing: init started ${MARK[booted]:-?} s after qemu start (guest uptime ${bt:-?} s), mounted at ${MARK[mounted]:-?} s, batteries+umount ${bat} s (guest clock), guest total ${GUEST_TIME} s, whole run $(elapsed "$T0") s"
for p in "${problems[@]}"; do say "PROBLEM: $p"; done
if ((${#problems[@]})); then
  say "last console lines:"; tr -d '\r' <"$RUN/console.log" | tail -n 25 | sed 's/^/  | /'
  say "last server log lines:"; tail -n 15 "$RUN/server.log" | sed 's/^/  | /'
fi
echo "e2e: $npass passed, $nfail failed, $nskip skipped"
if ((nfail == 0 && ${#problems[@]} == 0)); then FAILED_RUN=0; exit 0; fi
exit 1
