# lib.sh — guest-side check helpers (busybox sh), sourced by /init before each battery.
#
# A battery is a busybox sh fragment, tests/e2e/battery-<name>.sh, sourced in a subshell
# with the current directory set to its own fresh folder on the NFS mount. Variables:
#   M        the mount point (/mnt/loft)
#   W        this battery's folder, $M/<name> (= <served dir>/<name> on the host)
#   BATTERY  the battery's name (prefix of every check name)
# Helpers (NAME: letters, digits, '_', '-', '.'; unique within the battery):
#   check NAME CMD [ARG...]          PASS when CMD exits 0 (output of a failure is the reason)
#   check_eq NAME EXPECTED CMD...    PASS when CMD's stdout equals EXPECTED (and it exits 0)
#   check_fails NAME CMD [ARG...]    PASS when CMD exits non-zero (an expected error)
#   pass NAME | fail NAME REASON | skip NAME REASON
#   note KEY VALUE                   hands VALUE to the host's battery_verify (guest_note KEY)
#   drop_caches                      sync + drop the page/dentry/inode caches, so the next
#                                    access goes to the server again
#   check_errno NAME ERRNO CMD...    PASS when CMD (usually `e2etool OP ...`, which prints OK
#                                    or the errno's name) prints ERRNO, e.g. EEXIST or OK
#   manifest DIR                     prints DIR's tree, one line per entry (see below)
#   manifest_note TAG [DIR]          prints it on the console as `MANIFEST <battery>.TAG ...`
#                                    (DIR defaults to $W) for the host's host_check_manifest
#   host_request ACTION [ARG...]     asks the host to act now and waits for its answer
#                                    (bounded): server-stop [TERM|KILL], server-start,
#                                    server-restart [TERM|KILL], manifest TAG [SUBDIR],
#                                    hook FUNCTION; returns 0 when the host answered OK, 1
#                                    when it answered FAIL, 2 when it did not answer; the
#                                    host's message is in $REQUEST_MSG
#   host_compare NAME [SUBDIR]       drop_caches, manifest_note NAME of $W[/SUBDIR] and ask the
#                                    host to compare it with the served folder now: host check
#                                    `host.<battery>.manifest_NAME`
#   host_hook FUNCTION               asks the host to run FUNCTION W from the battery's
#                                    .host.sh now (its host_check results are host checks)
#   (both fail the guest check request_NAME / hook_FUNCTION only when the host never answered)
#   alive PID                        PID is running (not ended, not a zombie)
#   wait_gone PID SECONDS            waits until process PID has ended (0) or SECONDS passed (1)
#   now                              seconds since the epoch
# CMD may be a shell function defined by the battery. Checks print on the console as
#   CHECK <battery>.<name> PASS | FAIL <reason> | SKIP <reason>
# Manifest lines (the host's host_manifest prints the same for the served folder):
#   f MODE NLINK SIZE MTIME MD5 ./file     d MODE NLINK - - - ./dir
#   l MODE NLINK SIZE - MD5(target+LF) ./symlink    o MODE NLINK SIZE - - ./other

_one_line() { tr '\n\r\t' '   ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }

pass() { echo "CHECK $BATTERY.$1 PASS"; }
fail() {
  echo "CHECK $BATTERY.$1 FAIL $(printf '%s' "${2:-failed}" | _one_line)"
  echo "$BATTERY.$1" >>/tmp/loft-failed
}
skip() { echo "CHECK $BATTERY.$1 SKIP $(printf '%s' "${2:-skipped}" | _one_line)"; }
# store_is KIND...: the source served (LOFT_SOURCE_KIND from run.conf: local, webdav or
# sftp) is one of KIND; for checks that cannot hold for a remote store (then: skip, saying why).
store_is() { for _k in "$@"; do [ "${LOFT_SOURCE_KIND:-local}" = "$_k" ] && return 0; done; return 1; }

# Every check first prints `BEGIN <battery>.<name> <uptime>`, so a check that hangs is named
# by the host, which also reports the slowest stretches between two BEGINs.
begin() { read -r _up _ </proc/uptime; echo "BEGIN $BATTERY.$1 $_up"; }

check() {
  _name=$1; shift
  begin "$_name"
  if _out=$("$@" 2>&1); then pass "$_name"; return 0; else _rc=$?; fi
  fail "$_name" "exit $_rc: $*: $_out"
  return 1
}

check_eq() {
  _name=$1; _want=$2; shift 2
  begin "$_name"
  _out=$("$@" 2>/tmp/check.err); _rc=$?
  if [ $_rc -eq 0 ] && [ "$_out" = "$_want" ]; then pass "$_name"; return 0; fi
  fail "$_name" "$*: exit $_rc, expected '$_want', got '$_out' $(cat /tmp/check.err)"
  return 1
}

check_fails() {
  _name=$1; shift
  begin "$_name"
  if _out=$("$@" 2>&1); then fail "$_name" "expected failure, but succeeded: $*"; return 1; fi
  pass "$_name"
  return 0
}

note() { echo "NOTE $BATTERY.$1 $2"; }

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

check_errno() {
  _name=$1; _want=$2; shift 2
  begin "$_name"
  _out=$("$@" 2>/tmp/check.err)
  if [ "$_out" = "$_want" ]; then pass "$_name"; return 0; fi
  fail "$_name" "$*: expected $_want, got '$_out' $(cat /tmp/check.err)"
  return 1
}

now() { date +%s; }

alive() {  # PID: running (a zombie -- exited, not yet reaped -- counts as ended)
  [ -r "/proc/$1/stat" ] || return 1
  read -r _ _ _st _ <"/proc/$1/stat" 2>/dev/null || return 1
  [ "$_st" != Z ]
}

wait_gone() {
  _end=$(($(now) + $2))
  while alive "$1"; do
    [ "$(now)" -lt "$_end" ] || return 1
    usleep 100000
  done
  return 0
}

manifest() {
  ( cd "$1" || exit 1
    find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r _p; do
      if [ -L "$_p" ]; then
        _h=$(readlink "$_p" | md5sum); set -- $(stat -c '%a %h %s' "$_p")
        echo "l $1 $2 $3 - ${_h%% *} $_p"
      elif [ -d "$_p" ]; then
        set -- $(stat -c '%a %h' "$_p"); echo "d $1 $2 - - - $_p"
      elif [ -f "$_p" ]; then
        _h=$(md5sum <"$_p"); set -- $(stat -c '%a %h %s %Y' "$_p")
        echo "f $1 $2 $3 $4 ${_h%% *} $_p"
      else
        set -- $(stat -c '%a %h %s' "$_p"); echo "o $1 $2 $3 - - $_p"
      fi
    done )
}

manifest_note() { manifest "${2:-$W}" | sed "s/^/MANIFEST $BATTERY.$1 /"; }

REQUEST_MSG=
host_request() {
  _rq_n=$(($(cat /tmp/loft-request-n 2>/dev/null || echo 0) + 1))
  echo "$_rq_n" >/tmp/loft-request-n
  if [ ! -e /proc/self/fd/7 ]; then REQUEST_MSG="no control channel (fd 7)"; return 2; fi
  # Straight to the console: host_request may run inside a check's $(...).
  echo "LOFT-E2E REQUEST $BATTERY $_rq_n $*" >/dev/console
  _rq_end=$(($(now) + ${LOFT_REQUEST_TIMEOUT:-120}))
  while [ "$(now)" -lt "$_rq_end" ]; do
    # One line per answer; read -t bounds each wait, stale answers (other numbers) are skipped.
    if read -t 5 -r _rq_w _rq_id _rq_st REQUEST_MSG <&7 2>/dev/null; then
      [ "$_rq_w" = ACK ] && [ "$_rq_id" = "$_rq_n" ] || continue
      [ "$_rq_st" = OK ] && return 0
      echo "host: $REQUEST_MSG" >&2
      return 1
    fi
  done
  REQUEST_MSG="no answer from the host within ${LOFT_REQUEST_TIMEOUT:-120} s"
  echo "$REQUEST_MSG" >&2
  return 2
}

host_compare() {
  drop_caches
  if [ -n "${2:-}" ]; then manifest_note "$1" "$W/$2"; else manifest_note "$1"; fi
  host_request manifest "$1" ${2:+"$2"}
  _rq_rc=$?
  [ $_rq_rc -ne 2 ] || fail "request_$1" "$REQUEST_MSG"
  return $_rq_rc
}

host_hook() {
  sync   # the host reads the served folder: what the client still holds goes out first
  host_request hook "$1"
  _rq_rc=$?
  [ $_rq_rc -ne 2 ] || fail "hook_$1" "$REQUEST_MSG"
  return $_rq_rc
}
