# shellcheck shell=bash
# battery-basic.host.sh — host side of battery-basic.sh (bash, sourced by run-battery.sh).
# battery_setup W: before the server starts; W is the served folder's basic/ subfolder.
# battery_verify W: after the guest powered off and the server stopped.

battery_setup() {
  echo "written on the host" >"$1/from-host.txt"
}

battery_verify() {
  local w=$1
  host_check_eq listing "big.bin dir1 from-host.txt" bash -c "cd '$w' && ls | tr '\n' ' ' | sed 's/ \$//'"
  host_check_eq renamed_content "$(printf 'hello loft\nmore')" cat "$w/dir1/renamed.txt"
  host_check_eq dir1_listing "renamed.txt" ls "$w/dir1"
  host_check_eq big_md5 "$(guest_note big_md5)" bash -c "md5sum <'$w/big.bin' | cut -d' ' -f1"
  host_check_eq big_size 1048576 stat -c %s "$w/big.bin"
  host_check from_host_untouched grep -qx "written on the host" "$w/from-host.txt"
  host_check no_leftovers bash -c "! ls -A '$w' | grep -E '^(hello.txt|doomed.txt|dir2|\.nfs.*)$'"
}
