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
# CMD may be a shell function defined by the battery. Checks print on the console as
#   CHECK <battery>.<name> PASS | FAIL <reason> | SKIP <reason>

_one_line() { tr '\n\r\t' '   ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }

pass() { echo "CHECK $BATTERY.$1 PASS"; }
fail() {
  echo "CHECK $BATTERY.$1 FAIL $(printf '%s' "${2:-failed}" | _one_line)"
  echo "$BATTERY.$1" >>/tmp/loft-failed
}
skip() { echo "CHECK $BATTERY.$1 SKIP $(printf '%s' "${2:-skipped}" | _one_line)"; }

# Every check first prints `BEGIN <battery>.<name>`, so a check that hangs is named by the host.
begin() { echo "BEGIN $BATTERY.$1"; }

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
