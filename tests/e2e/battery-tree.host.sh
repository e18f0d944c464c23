# shellcheck shell=bash
# battery-tree.host.sh — host side of battery-tree.sh: the served folder after the guest's
# namespace operations.

# verify_times W: called by the guest (host_request hook) right after it set the times.
verify_times() {
  local w=$1
  if store_is webdav; then
    local c
    for c in touch_mtime touch_atime touch_dir; do
      host_skip "$c" "WebDAV keeps no client-set times: Apache stamps its own"
    done
    return 0
  fi
  host_check_eq touch_mtime 981173106 stat -c %Y "$w/dated.txt"
  host_check_eq touch_atime 1015218367 stat -c %X "$w/atime.txt"
  host_check_eq touch_dir 946684799 stat -c %Y "$w/dated-dir"
}

battery_verify() {
  local w=$1
  host_check mkdir_nested test -d "$w/a/b/c/d/e"
  host_check rmdir_empty bash -c "[[ ! -e '$w/a/b/c/d/e/leaf' ]]"
  host_check unlink bash -c "[[ ! -e '$w/doomed.txt' ]]"
  host_check_eq rename_same_dir "one" cat "$w/r1-renamed.txt"
  host_check_eq rename_across_dirs "two" cat "$w/a/b/c/r2.txt"
  host_check_eq rename_over_existing "new content" cat "$w/dst.txt"
  host_check rename_sources_gone bash -c "cd '$w' && [[ ! -e r1.txt && ! -e r2.txt && ! -e src.txt && ! -e d1 && ! -e d1-renamed && ! -e d2 ]]"
  host_check_eq rename_dir_across_dirs "inside" cat "$w/a/b/moved/sub/f.txt"
  host_check_eq rename_dir_over_empty_dir "y" cat "$w/empty-target/f.txt"
  host_check_eq rename_dir_over_non_empty_refused "z" cat "$w/full-target/keep.txt"
  local c
  if store_is webdav; then
    # WebDAV has no symlinks or hard links (refused with EPERM in the guest): nothing was
    # made on the server's disk, the linked file is as written.
    host_check symlink_refused bash -c "cd '$w' && [[ ! -e sl-rel && ! -L sl-rel && ! -L sl-dangling ]]"
    for c in symlink symlink_absolute symlink_dangling symlink_to_dir symlink_long_target; do
      host_skip "$c" "WebDAV has no symlinks (refused with EPERM)"
    done
    host_check_eq hardlink_refused "linked data 1" bash -c "cd '$w' && [[ ! -e hl2 ]] && echo \$(cat hl1) \$(stat -c %h hl1)"
    for c in hardlink_count hardlink_same_inode hardlink_content; do
      host_skip "$c" "WebDAV has no hard links (refused with EPERM)"
    done
  else
    host_check_eq symlink "r1-renamed.txt" readlink "$w/sl-rel"
    host_check_eq symlink_absolute "/some/absolute/target" readlink "$w/sl-abs"
    host_check_eq symlink_dangling "missing-target" readlink "$w/sl-dangling"
    host_check_eq symlink_to_dir "a/b" readlink "$w/sl-dir"
    host_check_eq symlink_long_target "$(head -c 1000 /dev/zero | tr '\0' t)" readlink "$w/sl-long"
    host_check_eq hardlink_count "2 2" bash -c "echo \$(stat -c %h '$w/hl1') \$(stat -c %h '$w/hl2')"
    host_check hardlink_same_inode bash -c "[[ \$(stat -c %i '$w/hl1') == \$(stat -c %i '$w/hl2') ]]"
    host_check_eq hardlink_content "$(printf 'linked data\nvia hl2')" cat "$w/hl1"
  fi
  host_check hardlink_third_gone bash -c "[[ ! -e '$w/hl3' ]]"
  if store_is webdav; then
    host_skip chmod "WebDAV keeps no modes (chmod accepted, not stored)"
    host_skip touch_mtime_after_umount "WebDAV keeps no client-set times: Apache stamps its own"
    host_skip touch_dir_after_umount "WebDAV keeps no client-set times: Apache stamps its own"
  else
    host_check_eq chmod "600 751 444 1777" bash -c "cd '$w' && echo \$(stat -c %a mode-600.txt mode-751.txt mode-444.txt sticky-dir)"
    host_check_eq touch_mtime_after_umount 981173106 stat -c %Y "$w/dated.txt"
    host_check_eq touch_dir_after_umount 946684799 stat -c %Y "$w/dated-dir"
  fi
  host_check_eq touch_keeps_content dated cat "$w/dated.txt"
  host_check_eq excl_existing_untouched "keep me" cat "$w/excl-existing.txt"
  if store_is webdav; then
    host_check_eq excl_create_new 0 stat -c %s "$w/excl-new.txt"
    host_skip excl_create_new_mode "WebDAV keeps no modes"
  else
    host_check_eq excl_create_new "640 0" stat -c '%a %s' "$w/excl-new.txt"
  fi
  host_check_eq name_space "content of with space.txt" cat "$w/with space.txt"
  host_check_eq name_accents "content of accentué ÀÉÎÕÜ ñ ç.txt" cat "$w/accentué ÀÉÎÕÜ ñ ç.txt"
  host_check_eq name_cjk_renamed "content of 中文 日本語 한국어.txt" cat "$w/改名 后.txt"
  host_check name_cjk_old_gone bash -c "[[ ! -e '$w/中文 日本語 한국어.txt' ]]"
  host_check_eq name_nfc "content of $(printf 'caf\303\251')" cat "$w/$(printf 'caf\303\251')"
  host_check_eq name_nfd "content of $(printf 'cafe\314\201')" cat "$w/$(printf 'cafe\314\201')"
  host_check_eq name_dir_utf8 "deep" cat "$w/dossier été/子目录/ファイル.txt"
  local n255 n255mb
  n255=$(head -c 251 /dev/zero | tr '\0' a).txt
  n255mb=$(for _ in $(seq 85); do printf '名'; done)
  host_check_eq name_255 "long" cat "$w/$n255"
  host_check_eq name_255_multibyte "longmb" cat "$w/$n255mb"
  host_check name_255_dir test -d "$w/d$(head -c 254 /dev/zero | tr '\0' d)"
  host_check_eq name_256_absent 0 bash -c "ls '$w' | grep -c '^bbbbbbbb\|名x$' || :"
  # df in the guest (FSSTAT) against the host's statvfs of the served folder: the total
  # must match (1 %); the free space may have moved since (other processes write).
  local gt ga
  read -r gt ga <<<"$(guest_note df)"
  if store_is webdav; then
    # Apache mod_dav_fs reports no quota (RFC 4331): Loft shows the space as unknown
    # (1 PiB), which the guest's df_sane found consistent; the host's disk is not it.
    host_skip df_total "Apache mod_dav_fs reports no quota: the WebDAV source's size is unknown"
    host_skip df_available "Apache mod_dav_fs reports no quota: the WebDAV source's free space is unknown"
  else
    host_check df_total bash -c "t=\$(df -kP '$w' | tail -n 1 | awk '{print \$2}'); d=\$(( t - ${gt:-0} )); (( ${gt:-0} > 0 && d * 100 <= t && -d * 100 <= t )) || { echo \"guest \${gt:-?} KiB, host \$t KiB\"; exit 1; }"
    host_check df_available bash -c "a=\$(df -kP '$w' | tail -n 1 | awk '{print \$4}'); d=\$(( a - ${ga:-0} )); (( ${ga:-0} > 0 && d * 10 <= a && -d * 10 <= a )) || { echo \"guest \${ga:-?} KiB, host \$a KiB\"; exit 1; }"
  fi
  host_check_eq rename_while_listing "80 0" bash -c "echo \$(ls -d '$w'/race/to* | wc -l) \$(ls -d '$w'/race/from* 2>/dev/null | wc -l)"
  host_check_manifest manifest_end_after_umount end "$w"
}
