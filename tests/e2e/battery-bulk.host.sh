# shellcheck shell=bash
# battery-bulk.host.sh — host side of battery-bulk.sh. bigdir_full and bigdir_half run while
# the guest waits (host_hook), before the guest removes the folder; battery_verify after.

names_md5() {  # FIRST STEP LAST: md5 of the sorted names f%04d
  local i
  for ((i = $1; i <= $3; i += $2)); do printf 'f%04d\n' "$i"; done | md5sum | cut -d' ' -f1
}

bigdir_full() {
  local w=$1
  host_check_eq bigdir_count 3000 bash -c "ls -A '$w/big' | wc -l"
  host_check_eq bigdir_names "$(names_md5 0 1 2999)" bash -c "LC_ALL=C ls -A '$w/big' | md5sum | cut -d' ' -f1"
  host_check_eq bigdir_all_empty_files 3000 bash -c "find '$w/big' -type f -size 0 | wc -l"
}

bigdir_half() {
  local w=$1
  host_check_eq bigdir_half_names "$(names_md5 0 2 2998)" bash -c "LC_ALL=C ls -A '$w/big' | md5sum | cut -d' ' -f1"
}

battery_verify() {
  local w=$1
  host_check bigdir_removed bash -c "[[ ! -e '$w/big' ]]"
  host_check_eq find_files 2000 bash -c "find '$w/tree' -type f | wc -l"
  host_check_eq find_dirs 111 bash -c "find '$w/tree' -type d | wc -l"
  host_check_eq find_names "$(guest_note find_names_md5)" bash -c "cd '$w' && find tree -type f | LC_ALL=C sort | md5sum | cut -d' ' -f1"
  host_check_eq find_content "3417" cat "$w/tree/d3/e4/f17"
  host_check cpa_diff diff -r --no-dereference "$w/src" "$w/dst"
  if store_is webdav; then
    # WebDAV: no symlinks were made (EPERM); Apache's modes and upload times are its own.
    host_check_eq cpa_no_symlinks 0 bash -c "find '$w/src' '$w/dst' -type l | wc -l"
    host_check cpa_same_metadata bash -c "diff <(host_manifest '$w/src' | manifest_columns) <(host_manifest '$w/dst' | manifest_columns)"
    host_skip cpa_symlinks "WebDAV has no symlinks (refused with EPERM)"
    host_skip cpa_mtime_mode "WebDAV keeps no modes or client-set times"
  else
    host_check cpa_same_metadata bash -c "diff <(host_manifest '$w/src') <(host_manifest '$w/dst')"
    host_check_eq cpa_symlinks "a.txt sub/deeper ../a.txt /etc/hostname nowhere" \
      bash -c "cd '$w/dst' && echo \$(readlink link-rel link-dir sub/link-up link-abs link-dangling)"
    host_check_eq cpa_mtime_mode "1118131750 600 1118131750 755" \
      bash -c "cd '$w/dst' && echo \$(stat -c '%Y %a' a.txt sub/b.bin)"
  fi
  host_check_manifest manifest_cpa_dst_after_umount cpa_dst "$w/dst"
}
