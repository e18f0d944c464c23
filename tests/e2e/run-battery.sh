#!/usr/bin/env bash
# run-battery.sh — Linux-kernel-NFS-client end-to-end driver.
#
#   run-battery.sh [options] -- SERVER_CMD [ARG...]
#
# 1. prepares the guest (prepare-guest.sh; cached, fast when nothing changed);
# 2. creates the folder to serve, runs each battery's host-side `battery_setup`;
# 3. starts SERVER_CMD and reads its first stdout line, which must be
#      nfs://127.0.0.1:PORT/EXPORT[?mountport=MPORT]
#    (what `loft serve DIR` prints). In SERVER_CMD's arguments '@DIR@' is replaced by that
#    folder (without one the folder is appended), '@RUN@' by the run dir (e.g. for a
#    per-run --state-dir) and '@PORT@' by 0 on the first start and by the first start's
#    port on a restart (the server must come back on the same port);
# 4. boots Debian's kernel in qemu (TCG) with a busybox initramfs; the guest mounts
#    10.0.2.2:/EXPORT (qemu's alias for the host's 127.0.0.1) with the kernel NFS client,
#    runs the batteries and prints CHECK lines on its serial console. A battery may ask the
#    host to act while it runs (`host_request` in guest/lib.sh): stop/start/restart the
#    server, compare a folder with the guest's view of it (`manifest`), or run a function of
#    its battery-NAME.host.sh; the request goes out on the console, the answer comes back
#    on a second serial port (the guest's /dev/ttyS1, fed through the FIFO $RUN/ctl.in);
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
#   LOFT_E2E_SOURCE_KIND         local (default), webdav or sftp: what the server serves;
#                                the guest gets it as LOFT_SOURCE_KIND (batteries SKIP what
#                                the store cannot hold), and the host's manifest comparison
#                                leaves out the columns the store does not keep (a SKIP
#                                check says which)
#   LOFT_E2E_SETTLE_CMD          run before the host looks at the served folder while the
#                                server runs (manifest and hook requests): waits for a write-back
#                                cache's uploads to land; {run} is replaced by the run dir
#   LOFT_E2E_REQUEST_TIMEOUT     seconds the guest waits for the host's answer (default 120)
# A restarted server also gets LOFT_E2E_PORT / LOFT_E2E_MOUNT_PORT in its environment.
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
stop_server() {  # [SIGNAL]: TERM (default; KILL after 10 s) or KILL
  local sig=${1:-TERM}
  [[ -n $SERVER_PID ]] || return 0
  # SERVER_CMD runs in its own session (setsid): signal the whole process group.
  kill "-$sig" -- "-$SERVER_PID" 2>/dev/null || kill "-$sig" "$SERVER_PID" 2>/dev/null

  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    say "server did not stop within 10 s of SIGTERM; killing it"
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  wait "$SERVER_PID"
  SERVER_PID=
} 2>/dev/null   # also silences bash's "Killed" notice for a server stopped with SIGKILL
cleanup() {
  trap '' PIPE   # whoever read our stdout may be gone (ctest killed): still clean up
  # `timeout` leads its own process group (qemu is in it): kill both.
  if [[ -n $QEMU_PID ]]; then
    kill -KILL -- "-$QEMU_PID" 2>/dev/null || kill -KILL "$QEMU_PID" 2>/dev/null
    wait "$QEMU_PID" 2>/dev/null
  fi
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
# host_skip NAME REASON: a host check that cannot hold for this store (see store_is).
host_skip() { host_result "host.$BATTERY.$1" SKIP "$(printf '%s' "${2:-skipped}" | tr '\n\r\t' '   ' | cut -c1-300)"; }
# store_is KIND...: the source served (LOFT_E2E_SOURCE_KIND) is one of KIND.
store_is() { local k; for k in "$@"; do [[ ${LOFT_E2E_SOURCE_KIND:-local} == "$k" ]] && return 0; done; return 1; }
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
# host_manifest DIR: one line per entry below DIR, sorted by path (bytewise), in the format
# guest/lib.sh's `manifest` prints:  TYPE MODE NLINK SIZE MTIME HASH ./PATH
#   f MODE NLINK SIZE MTIME MD5 ./file     d MODE NLINK - - - ./dir
#   l MODE NLINK SIZE - MD5(target+LF) ./symlink    o MODE NLINK SIZE - - ./other
host_manifest() {
  ( cd "$1" || exit 1
    declare -A sum=()
    local rec h p
    while IFS= read -r -d '' rec; do
      h=${rec%%  *}; p=${rec#*  }; sum[$p]=$h
    done < <(find . -mindepth 1 -type f -print0 | xargs -0 -r md5sum -z --)
    local meta target t mode nlink size mtime
    # records "PATH<TAB>TYPE MODE NLINK SIZE MTIME<TAB>TARGET", sorted by PATH (TAB sorts
    # below every character a name here uses, so this is the guest's order of paths)
    while IFS=$'\t' read -r -d '' p meta target; do
      read -r t mode nlink size mtime <<<"$meta"
      mtime=${mtime%%.*}
      case $t in
        f) echo "f $mode $nlink $size $mtime ${sum[$p]:-?} $p" ;;
        d) echo "d $mode $nlink - - - $p" ;;
        l) h=$(printf '%s\n' "$target" | md5sum); echo "l $mode $nlink $size - ${h%% *} $p" ;;
        *) echo "o $mode $nlink $size - - $p" ;;
      esac
    done < <(find . -mindepth 1 -printf '%p\t%y %m %n %s %T@\t%l\0' | LC_ALL=C sort -z)
  )
}
# guest_manifest TAG: the lines the guest printed with `manifest_note TAG` in this battery.
guest_manifest() {
  tr -d '\r' <"$RUN/console.log" | sed -n "s/^MANIFEST $BATTERY\.$1 //p"
}
# manifest_columns: what a remote store keeps of the manifest columns (TYPE MODE NLINK SIZE
# MTIME HASH PATH); the others become "*". WebDAV keeps no modes or link counts and sets
# its own mtimes on upload; SFTP (v3) has no link counts, and its mtimes reach the client
# through the cache layer's attribute cache (up to its TTL old).
manifest_columns() {
  case ${LOFT_E2E_SOURCE_KIND:-local} in
    webdav) awk '$NF !~ /\/\.DAV(\/|$)/ { $2 = "*"; $3 = "*"; if ($5 != "-") $5 = "*"; print }' ;;  # .DAV: Apache's own
    sftp) awk '{ $3 = "*"; if ($5 != "-") $5 = "*"; print }' ;;
    *) cat ;;
  esac
}
# host_check_manifest NAME TAG DIR: the guest's manifest TAG equals the host's view of DIR.
host_check_manifest() {
  local name=$1 tag=$2 dir=$3 g h
  g=$(guest_manifest "$tag" | manifest_columns)
  h=$(host_manifest "$dir" | manifest_columns)
  case ${LOFT_E2E_SOURCE_KIND:-local} in
    webdav) host_result "host.$BATTERY.${name}_modes_nlinks_mtimes" SKIP "WebDAV keeps no modes or link counts and stamps its own mtimes: compared types, sizes, bytes and names only" ;;
    sftp) host_result "host.$BATTERY.${name}_nlinks_mtimes" SKIP "SFTP v3 has no link counts, and mtimes reach the client through the attribute cache: not compared" ;;
  esac
  if [[ -z $g ]]; then host_fail "$name" "the guest printed no manifest '$tag'"; return 1; fi
  if [[ $g == "$h" ]]; then host_pass "$name"; return 0; fi
  diff <(printf '%s\n' "$g") <(printf '%s\n' "$h") >"$RUN/manifest-$BATTERY-$tag.diff"
  host_fail "$name" "guest (<) and host (>) differ in $(grep -c '^[<>]' "$RUN/manifest-$BATTERY-$tag.diff") lines, see manifest-$BATTERY-$tag.diff: $(grep '^[<>]' "$RUN/manifest-$BATTERY-$tag.diff" | head -n 4)"
  return 1
}
export -f host_result host_pass host_fail host_skip store_is host_check host_check_eq guest_note guest_result \
  host_manifest guest_manifest host_check_manifest manifest_columns
export RUN
case ${LOFT_E2E_SOURCE_KIND:=local} in local|webdav|sftp) ;; *) die "LOFT_E2E_SOURCE_KIND must be local, webdav or sftp" ;; esac
export LOFT_E2E_SOURCE_KIND
# settle: before the host looks at the served folder while the server runs.
settle() {
  [[ -n ${LOFT_E2E_SETTLE_CMD:-} ]] || return 0
  bash -c "${LOFT_E2E_SETTLE_CMD//\{run\}/$RUN}" || say "LOFT_E2E_SETTLE_CMD failed: uploads may still be pending"
}
: >"$RUN/host-checks"

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
SERVER_STARTS=0
CMD=()
START_ERROR=
# start_server PORT: starts SERVER_CMD ('@PORT@' = PORT) and waits for its URL line. Sets
# SERVER_PID and URL; on failure returns 1 with START_ERROR set (the server is stopped).
start_server() {
  local port=$1 a subst=0 out line deadline
  SERVER_STARTS=$((SERVER_STARTS + 1))
  out=$RUN/server.out
  ((SERVER_STARTS > 1)) && out=$RUN/server.out.$SERVER_STARTS
  CMD=()
  for a in "${SERVER_CMD[@]}"; do
    [[ $a == *@DIR@* ]] && subst=1
    a=${a//@DIR@/$SERVE_DIR}; a=${a//@RUN@/$RUN}; a=${a//@PORT@/$port}
    CMD+=("$a")
  done
  ((subst)) || CMD+=("$SERVE_DIR")
  echo "==== start #$SERVER_STARTS at $(date +%T.%N): ${CMD[*]}" >>"$RUN/server.log"
  : >"$out"
  if [[ $port != 0 ]]; then
    LOFT_E2E_PORT=$port LOFT_E2E_MOUNT_PORT=${MOUNT_PORT:-$port} \
      setsid "${CMD[@]}" >"$out" 2>>"$RUN/server.log" </dev/null &
  else
    setsid "${CMD[@]}" >"$out" 2>>"$RUN/server.log" </dev/null &
  fi
  SERVER_PID=$!
  URL=
  deadline=$((SECONDS + SERVER_TIMEOUT))
  while :; do
    if [[ -s $out ]] && IFS= read -r line <"$out" && [[ $(wc -l <"$out") -ge 1 ]]; then
      URL=$line; return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
      START_ERROR="server exited before printing its URL: $(tail -n 3 "$RUN/server.log" | tr '\n' ' ')"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      stop_server KILL
      START_ERROR="server printed no URL within ${SERVER_TIMEOUT} s"
      return 1
    fi
    sleep 0.05
  done
}

TS=$(date +%s.%N)
start_server 0 || { tail -n 20 "$RUN/server.log" >&2; die "$START_ERROR"; }
say "server: ${CMD[*]}"
FIRST_URL=$URL
[[ $URL =~ ^nfs://127\.0\.0\.1:([0-9]+)(/[^?]*)(\?(.*))?$ ]] \
  || die "server's first line is not nfs://127.0.0.1:PORT/EXPORT: '$URL'"
PORT=${BASH_REMATCH[1]}
EXPORT=${BASH_REMATCH[2]}
MOUNT_PORT=$PORT
[[ ${BASH_REMATCH[4]} =~ (^|&)mountport=([0-9]+) ]] && MOUNT_PORT=${BASH_REMATCH[2]}
say "server up in $(elapsed "$TS") s: port $PORT, mount port $MOUNT_PORT, export $EXPORT"

# restart_server: starts the server again on the same port (retrying while the port is
# still taken) and checks that it serves the same URL (port and export path).
restart_server() {
  for _ in 1 2 3 4 5; do
    if start_server "$PORT"; then
      [[ $URL == "$FIRST_URL" ]] && return 0
      START_ERROR="the restarted server serves $URL, not $FIRST_URL"
      return 1
    fi
    sleep 1
  done
  return 1
}

# --- mount options: one source of truth --------------------------------------------------
# Loft's own mount helper (`loft mount-options`) decides the options; this suite uses the
# same ones. Order: $LOFT_E2E_MOUNT_OPTIONS_CMD, then `loft mount-options`, then a default.
LOFT_BIN=${LOFT_BIN:-}
[[ -z $LOFT_BIN && $(basename "${CMD[0]}") == loft ]] && LOFT_BIN=${CMD[0]}
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
  echo "LOFT_REQUEST_TIMEOUT=${LOFT_E2E_REQUEST_TIMEOUT:-120}"
  echo "LOFT_SOURCE_KIND=$(q "$LOFT_E2E_SOURCE_KIND")"
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
      -append "console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init mitigations=off no_timer_check"
      -netdev user,id=n0,ipv6=off -device virtio-net-pci,netdev=n0,romfile=
      -serial "pipe:$RUN/ctl")   # the guest's /dev/ttyS1: host -> guest answers (ctl.in)
# shellcheck disable=SC2206
qemu+=(${LOFT_E2E_QEMU_ARGS:-})
# Control channel: qemu reads ctl.in (host -> guest) and writes ctl.out (guest -> host, unused).
# Both FIFOs are opened read-write, so neither side ever blocks on open.
mkfifo "$RUN/ctl.in" "$RUN/ctl.out" || die "mkfifo failed"
# shellcheck disable=SC2034  # CTL_OUT_FD is only held open
exec {CTL_FD}<>"$RUN/ctl.in" {CTL_OUT_FD}<>"$RUN/ctl.out"
# start_guest: boots qemu in the background (QEMU_PID), console to $RUN/console.log.
BOOTS=0
start_guest() {
  BOOTS=$((BOOTS + 1))
  say "booting the guest (timeout ${TIMEOUT} s): batteries ${BATTERIES[*]}"
  TB=$(date +%s.%N)
  : >"$RUN/console.log"
  timeout -k 5 "$TIMEOUT" "${qemu[@]}" </dev/null >"$RUN/console.log" 2>"$RUN/qemu.err" &
  QEMU_PID=$!
}
start_guest

# handle_request BATTERY ID ACTION [ARG...]: a guest's `host_request`; the answer
#   ACK ID OK|FAIL MESSAGE
# goes back on the control channel. Actions:
#   server-stop [TERM|KILL] [MAX]  stop the server (SIGTERM, SIGKILL after 10 s; or SIGKILL);
#                               should no server-start follow within MAX seconds (default
#                               120), the host starts it again itself and fails the host
#                               check server_down_too_long, so a hung guest cannot wedge
#   server-start                start it again: same command, port, state (same URL)
#   server-restart [TERM|KILL]  both
#   manifest TAG [SUBDIR]       compare the guest's `manifest_note TAG` lines with the host's
#                               view of <served>/BATTERY[/SUBDIR] (host check manifest_TAG)
#   hook FUNCTION               run FUNCTION W from battery-BATTERY.host.sh (host checks)
# shellcheck disable=SC1090  # sources battery-<name>.host.sh
handle_request() {
  local b=${1:-} id=${2:-} action=${3:-} st=OK msg='' n0 t0 rc
  shift 3 2>/dev/null
  t0=$(date +%s.%N)
  n0=$(wc -l <"$RUN/host-checks")
  case $action in
    server-stop)
      stop_server "${1:-TERM}"; msg="server stopped with SIG${1:-TERM}"
      DOWN_BATTERY=$b DOWN_DEADLINE=$((SECONDS + ${2:-120})) ;;
    server-start)
      DOWN_DEADLINE=
      if [[ -n $SERVER_PID ]]; then st=FAIL msg="the server is running"
      elif restart_server; then msg="server started again: $URL"
      else st=FAIL msg=$START_ERROR; fi ;;
    server-restart)
      stop_server "${1:-TERM}"
      if restart_server; then msg="server restarted (SIG${1:-TERM}): $URL"
      else st=FAIL msg=$START_ERROR; fi ;;
    manifest)
      if [[ ! ${1:-} =~ ^[A-Za-z0-9_.-]+$ || ${2:-} == *..* ]]; then st=FAIL msg="bad manifest request"
      else
        settle
        ( BATTERY=$b; host_check_manifest "manifest_$1" "$1" "$SERVE_DIR/$b${2:+/$2}" ) >/dev/null
        rc=$?; ((rc == 0)) || st=FAIL; msg="manifest $1 compared"
      fi ;;
    hook)
      if [[ ! ${1:-} =~ ^[A-Za-z0-9_]+$ ]]; then st=FAIL msg="bad hook name"
      elif ! ( . "$HERE/battery-$b.host.sh" && declare -F "$1" ) >/dev/null 2>&1; then
        st=FAIL msg="no function $1 in battery-$b.host.sh"
      else
        settle   # a hook reads the served folder: the uploads land first
        run_hook "$b" "$1" >/dev/null 2>"$RUN/hook-$b-$1.err"; rc=$?
        ((rc == 0)) || st=FAIL; msg="hook $1 exit $rc"
      fi ;;
    *) st=FAIL msg="unknown request '$action'" ;;
  esac
  sed -n "$((n0 + 1)),\$p" "$RUN/host-checks" | sed 's/^/  /'
  msg="$msg ($(elapsed "$t0") s)"
  printf 'ACK %s %s %s\n' "$id" "$st" "$msg" >&"$CTL_FD"
  printf '  HOST %s.request%s %s %s: %s\n' "$b" "$id" "$action" "$st" "$msg"
  echo "$b#$id $action $* -> $st $msg" >>"$RUN/requests.log"
}

# The server was stopped for a battery that never asked for it back: start it again.
DOWN_DEADLINE=
DOWN_BATTERY=
check_downtime() {
  [[ -n $DOWN_DEADLINE ]] && ((SECONDS >= DOWN_DEADLINE)) || return 0
  DOWN_DEADLINE=
  ( BATTERY=$DOWN_BATTERY; host_fail server_down_too_long "the guest did not ask for server-start in time; starting it again" )
  restart_server || say "restarting the server failed: $START_ERROR"
}

# A server that dies on its own (a crash) would leave a hard mount waiting until the guest
# timeout: notice it, say so, and stop the guest now.
SERVER_DIED=
check_server() {
  [[ -n $SERVER_PID && -z $SERVER_DIED ]] || return 0
  kill -0 "$SERVER_PID" 2>/dev/null && return 0
  local rc
  wait "$SERVER_PID" 2>/dev/null; rc=$?
  SERVER_PID=
  SERVER_DIED="the server exited by itself during the run (status $rc$( ((rc > 128)) && echo ", signal $((rc - 128))"))"
  say "$SERVER_DIED; stopping the guest"
  kill -TERM -- "-$QEMU_PID" 2>/dev/null || kill -TERM "$QEMU_PID" 2>/dev/null
}

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
      "LOFT-E2E REQUEST "*)
        read -ra req <<<"${line#LOFT-E2E REQUEST }"
        handle_request "${req[@]}" </dev/null ;;
      "LOFT-E2E BOOTED"*) MARK[booted]=$(elapsed "$TB") ;;
      "LOFT-E2E MOUNTED"*) MARK[mounted]=$(elapsed "$TB") ;;
      "LOFT-E2E END"*) MARK[end]=$(elapsed "$TB") ;;
    esac
  done < <(sed -n "$((shown + 1)),${n}p" "$RUN/console.log")
  shown=$n
}
while :; do
  while kill -0 "$QEMU_PID" 2>/dev/null; do follow; check_downtime; check_server; sleep 0.1; done
  wait "$QEMU_PID"; QEMU_RC=$?
  QEMU_PID=
  follow
  # A kernel that died before /init (seen under TCG on a loaded host: "IO-APIC + timer
  # doesn't work") touched nothing yet: boot once more, keeping the failed console.
  if [[ -z ${MARK[booted]:-} && -z $SERVER_DIED && $QEMU_RC != 124 && $QEMU_RC != 137 ]] && ((BOOTS < 3)); then
    cp "$RUN/console.log" "$RUN/console.boot$BOOTS.log"
    say "the guest stopped before /init (qemu exit $QEMU_RC: $(tr -d '\r' <"$RUN/console.log" | grep -m1 -iE 'panic|error' | cut -c1-120)); booting again"
    shown=0
    start_guest
    continue
  fi
  break
done
GUEST_TIME=$(elapsed "$TB")
[[ -s $RUN/qemu.err ]] && sed 's/^/  qemu: /' "$RUN/qemu.err"

# --- stop the server, verify on the host ---------------------------------------------------
[[ -n $SERVER_PID ]] && settle   # uploads of a write-back cache land before the stop
stop_server
n0=$(wc -l <"$RUN/host-checks")
for b in "${BATTERIES[@]}"; do
  if ! tr -d '\r' <"$RUN/console.log" | grep -q "^LOFT-E2E BATTERY $b END"; then
    [[ -f $HERE/battery-$b.host.sh ]] && say "host verify of $b skipped: the battery did not complete in the guest"
    continue
  fi
  run_hook "$b" battery_verify >/dev/null 2>"$RUN/verify-$b.err" \
    || [[ ! -s $RUN/verify-$b.err ]] || sed "s/^/  verify $b: /" "$RUN/verify-$b.err"
done
sed -n "$((n0 + 1)),\$p" "$RUN/host-checks" | sed 's/^/  /' 

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
[[ -n $SERVER_DIED ]] && problems+=("$SERVER_DIED")
((npass + nfail == 0)) && problems+=("no check ran")
# A check that began but never printed its result is the one that hung (or crashed the guest).
last_begin=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^BEGIN \([^ ]*\).*/\1/p' | tail -n 1)
if [[ -n $last_begin && -z ${MARK[end]:-} ]] && ! grep -q "^CHECK $last_begin " "$RUN/checks"; then
  problems+=("check $last_begin began but never finished")
fi

echo
say "---- summary (batteries: ${BATTERIES[*]}; server: ${CMD[0]##*/}) ----"
grep ' FAIL' "$RUN/checks" | sed 's/^/  /'
bt=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E BOOTED uptime=//p')
mt=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E MOUNTED uptime=//p')
et=$(tr -d '\r' <"$RUN/console.log" | sed -n 's/^LOFT-E2E END uptime=//p')
bat='?'
[[ -n $mt && -n $et ]] && bat=$(awk -v a="$mt" -v b="$et" 'BEGIN { printf "%.1f", b - a }')
say "timing: init started ${MARK[booted]:-?} s after qemu start (guest uptime ${bt:-?} s), mounted at ${MARK[mounted]:-?} s, batteries+umount ${bat} s (guest clock), guest total ${GUEST_TIME} s, whole run $(elapsed "$T0") s"
# Where the guest's time went: the longest stretches from one check's BEGIN to the next
# (or to the battery's end), guest clock.
slow=$(tr -d '\r' <"$RUN/console.log" | awk '
  /^BEGIN / { if (name != "") printf "%.1f %s\n", $3 - t, name; name = $2; t = $3; next }
  /^LOFT-E2E BATTERY .* END uptime=/ { if (name != "") { sub(/.*uptime=/, ""); printf "%.1f %s\n", $0 - t, name }; name = "" }
  ' | sort -rn | head -n 5 | awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')
[[ -n $slow ]] && say "slowest: $slow"
for p in "${problems[@]}"; do say "PROBLEM: $p"; done
if ((${#problems[@]})); then
  say "last console lines:"; tr -d '\r' <"$RUN/console.log" | tail -n 25 | sed 's/^/  | /'
  say "last server log lines:"; tail -n 15 "$RUN/server.log" | sed 's/^/  | /'
fi
echo "e2e: $npass passed, $nfail failed, $nskip skipped"
if ((nfail == 0 && ${#problems[@]} == 0)); then FAILED_RUN=0; exit 0; fi
exit 1
