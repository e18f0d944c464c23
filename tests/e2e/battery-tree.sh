# battery-tree.sh — the namespace through the kernel client: nested mkdir, renames (same
# folder, across folders, over an existing file, directories), rmdir of a non-empty folder,
# unlink, symlinks, hard links, chmod, setting times, exclusive create, names with spaces,
# accents and CJK, the 255-byte name limit, `cd ..`, df. The host compares the served folder
# afterwards (battery-tree.host.sh). Sourced by the guest's /init in $W.

# --- nested mkdir, rmdir --------------------------------------------------------------------
check mkdir_nested mkdir -p a/b/c/d/e
check_eq mkdir_nested_is_dir directory stat -c %F a/b/c/d/e
check_errno rmdir_non_empty ENOTEMPTY e2etool rmdir a/b
check_fails rmdir_non_empty_busybox rmdir a
check_eq rmdir_non_empty_kept directory stat -c %F a/b/c
check mkdir_leaf mkdir a/b/c/d/e/leaf
check rmdir_empty rmdir a/b/c/d/e/leaf
check_errno rmdir_gone ENOENT e2etool rmdir a/b/c/d/e/leaf
check_errno mkdir_existing EEXIST e2etool mkdir a/b

# --- unlink ----------------------------------------------------------------------------------
echo doomed >doomed.txt
check unlink rm doomed.txt
check_fails unlink_gone stat doomed.txt
check_errno unlink_missing ENOENT e2etool unlink doomed.txt
check_errno unlink_dir EISDIR e2etool unlink a

# --- rename ----------------------------------------------------------------------------------
echo one >r1.txt
echo two >r2.txt
echo "new content" >src.txt
echo "old content" >dst.txt
check rename_same_dir mv r1.txt r1-renamed.txt
check rename_across_dirs mv r2.txt a/b/c/r2.txt
check rename_over_existing mv src.txt dst.txt
drop_caches
check_fails rename_old_name_gone stat r1.txt
check_eq rename_same_dir_read one cat r1-renamed.txt
check_eq rename_across_dirs_read two cat a/b/c/r2.txt
check_fails rename_across_old_gone stat r2.txt
check_eq rename_over_existing_read "new content" cat dst.txt
check_fails rename_over_existing_src_gone stat src.txt
mkdir -p d1/sub && echo inside >d1/sub/f.txt
check rename_dir mv d1 d1-renamed
check_eq rename_dir_read inside cat d1-renamed/sub/f.txt
check rename_dir_across_dirs mv d1-renamed a/b/moved
drop_caches
check_eq rename_dir_across_read inside cat a/b/moved/sub/f.txt
check_fails rename_dir_old_gone stat d1-renamed
mkdir empty-target d2 full-target && echo y >d2/f.txt && echo z >full-target/keep.txt
check_errno rename_dir_over_empty_dir OK e2etool rename d2 empty-target
check_eq rename_dir_over_empty_dir_read y cat empty-target/f.txt
rename_over_full() {  # POSIX allows either error
  r=$(e2etool rename empty-target full-target 2>/dev/null)
  case $r in ENOTEMPTY|EEXIST) return 0 ;; *) echo "got $r"; return 1 ;; esac
}
check rename_dir_over_non_empty_dir rename_over_full
check_errno rename_file_over_dir EISDIR e2etool rename dst.txt full-target
check_errno rename_dir_over_file ENOTDIR e2etool rename full-target dst.txt

# --- symlinks ---------------------------------------------------------------------------------
if store_is webdav; then
  # WebDAV has no symlinks: SYMLINK is refused with EPERM (symlink(2): "the file system does
  # not support symbolic links"), a clean errno, and nothing is made.
  check_errno symlink_refused EPERM e2etool symlink r1-renamed.txt sl-rel
  check_errno symlink_refused_dangling EPERM e2etool symlink missing-target sl-dangling
  drop_caches
  check symlink_refused_nothing_made sh -c '[ ! -e sl-rel ] && [ ! -L sl-rel ] && [ ! -L sl-dangling ]'
  for c in symlink readlink read_through_symlink symlink_absolute symlink_dangling symlink_to_dir \
    symlink_long_target readlink_absolute readlink_dangling read_dangling readlink_long \
    symlink_is_link list_through_dir_symlink symlink_existing; do
    skip "$c" "WebDAV has no symlinks (refused with EPERM: symlink_refused)"
  done
else
  LONG_TARGET=$(head -c 1000 /dev/zero | tr '\0' t)
  check symlink ln -s r1-renamed.txt sl-rel
  check_eq readlink r1-renamed.txt readlink sl-rel
  check_eq read_through_symlink one cat sl-rel
  check symlink_absolute ln -s /some/absolute/target sl-abs
  check symlink_dangling ln -s missing-target sl-dangling
  check symlink_to_dir ln -s a/b sl-dir
  check symlink_long_target ln -s "$LONG_TARGET" sl-long
  drop_caches
  check_eq readlink_absolute /some/absolute/target readlink sl-abs
  check_eq readlink_dangling missing-target readlink sl-dangling
  check_fails read_dangling cat sl-dangling
  check_eq readlink_long "$LONG_TARGET" readlink sl-long
  check_eq symlink_is_link "symbolic link" stat -c %F sl-rel
  check_eq list_through_dir_symlink "c moved" sh -c 'ls sl-dir/ | tr "\n" " " | sed "s/ $//"'
  check_errno symlink_existing EEXIST e2etool symlink x sl-rel
fi

# --- hard links --------------------------------------------------------------------------------
echo "linked data" >hl1
if store_is webdav; then
  # WebDAV has no hard links: LINK is refused with EPERM (link(2): "the file system does not
  # support the creation of hard links"), a clean errno; nothing is made, hl1 is untouched.
  check_errno hardlink_refused EPERM e2etool link hl1 hl2
  drop_caches
  check hardlink_refused_nothing_made sh -c '[ ! -e hl2 ]'
  check_eq hardlink_refused_count_1 1 stat -c %h hl1
  check_eq hardlink_refused_original_kept "linked data" cat hl1
  for c in hardlink hardlink_count_2 hardlink_same_inode hardlink_append hardlink_shared_content \
    hardlink_third hardlink_count_3 hardlink_unlink_one hardlink_count_back_2; do
    skip "$c" "WebDAV has no hard links (refused with EPERM: hardlink_refused)"
  done
else
  check hardlink ln hl1 hl2
  drop_caches
  if store_is sftp; then skip hardlink_count_2 "SFTP v3 reports no link counts (always 1); the count on the server's disk is checked by the host"
  else check_eq hardlink_count_2 "2 2" sh -c 'echo $(stat -c %h hl1) $(stat -c %h hl2)'; fi
  same_inode() {
    a=$(stat -c %i hl1) b=$(stat -c %i hl2)
    [ "$a" = "$b" ] && { pass hardlink_same_inode; return; }
    # Known limitation: the server's NodeTable keys file ids by (parent, name), so each name
    # of a hard-linked file has its own file id (st_ino); data and link count are shared.
    skip hardlink_same_inode "two names, two file ids ($a, $b): Loft keys file ids by parent+name"
  }
  same_inode
  check hardlink_append sh -c 'echo "via hl2" >>hl2'
  drop_caches
  check_eq hardlink_shared_content "linked data
via hl2" cat hl1
  check hardlink_third ln hl1 hl3
  if store_is sftp; then skip hardlink_count_3 "SFTP v3 reports no link counts (always 1); the count on the server's disk is checked by the host"
  else check_eq hardlink_count_3 3 stat -c %h hl2; fi
  check hardlink_unlink_one rm hl3
  drop_caches
  if store_is sftp; then skip hardlink_count_back_2 "SFTP v3 reports no link counts (always 1); the count on the server's disk is checked by the host"
  else check_eq hardlink_count_back_2 2 stat -c %h hl1; fi
fi

# --- chmod -----------------------------------------------------------------------------------
for m in 600 751 444; do echo "mode $m" >"mode-$m.txt"; check "chmod_$m" chmod "$m" "mode-$m.txt"; done
mkdir sticky-dir
check chmod_dir_1777 chmod 1777 sticky-dir
drop_caches
if store_is webdav; then
  # WebDAV keeps no permission bits: chmod is accepted and not stored; Loft shows files as
  # 0644 and folders as 0755 (providers/webdav/DavAttr.h), and so they read back.
  for m in 600 751 444; do skip "chmod_${m}_read" "WebDAV keeps no modes (chmod accepted, not stored)"; done
  skip chmod_dir_1777_read "WebDAV keeps no modes (chmod accepted, not stored)"
  check_eq chmod_not_stored_fixed_modes "644 644 644 755" sh -c 'echo $(stat -c %a mode-600.txt mode-751.txt mode-444.txt sticky-dir)'
else
  for m in 600 751 444; do check_eq "chmod_${m}_read" "$m" stat -c %a "mode-$m.txt"; done
  check_eq chmod_dir_1777_read 1777 stat -c %a sticky-dir
fi

# --- times (touch -d); the guest runs in UTC ----------------------------------------------
echo "dated" >dated.txt
echo "atime" >atime.txt
mkdir dated-dir
check touch_mtime touch -m -d "2001-02-03 04:05:06" dated.txt
check touch_atime touch -a -d "2002-03-04 05:06:07" atime.txt
check touch_dir touch -d "1999-12-31 23:59:59" dated-dir
drop_caches
if store_is webdav; then
  # WebDAV keeps no client-set times (Apache's getlastmodified is the server's): touch is
  # accepted; a file shows its times only while its upload is pending, then the server's.
  for c in touch_mtime_read touch_atime_read touch_dir_read; do
    skip "$c" "WebDAV keeps no client-set times (accepted, not stored)"
  done
else
  check_eq touch_mtime_read 981173106 stat -c %Y dated.txt
  check_eq touch_atime_read 1015218367 stat -c %X atime.txt
  check_eq touch_dir_read 946684799 stat -c %Y dated-dir
fi
check_eq touch_keeps_content dated cat dated.txt
# Compare on the host now: reading the files later (the manifest) moves their atime.
host_hook verify_times

# --- exclusive create (open O_CREAT|O_EXCL) ----------------------------------------------
echo "keep me" >excl-existing.txt
check_errno excl_create_new OK e2etool excl excl-new.txt 640
drop_caches
check_errno excl_create_existing EEXIST e2etool excl excl-existing.txt
check_errno excl_create_existing_dir EEXIST e2etool excl a
check_eq excl_existing_untouched "keep me" cat excl-existing.txt
if store_is webdav; then skip excl_create_mode "WebDAV keeps no modes (files show 0644)"
else check_eq excl_create_mode 640 stat -c %a excl-new.txt; fi
check_eq excl_create_size 0 stat -c %s excl-new.txt
# An exclusive CREATE stores its verifier in the times until the client's SETATTR: the
# times seen afterwards must be real ones (within 10 minutes of now), not the verifier.
excl_times_sane() {
  t=$(now)
  for f in %Y %X; do
    v=$(stat -c $f excl-new.txt)
    [ $((v - t)) -lt 600 ] && [ $((t - v)) -lt 600 ] || { echo "$f=$v now=$t"; return 1; }
  done
}
check excl_create_times_sane excl_times_sane

# --- names: spaces, accents, CJK, NFC vs NFD ------------------------------------------------
N_SPACE="with space.txt"
N_ACCENT="accentué ÀÉÎÕÜ ñ ç.txt"
N_CJK="中文 日本語 한국어.txt"
N_DIR="dossier été/子目录"
N_NFC=$(printf 'caf\303\251')          # café, precomposed é
N_NFD=$(printf 'cafe\314\201')         # café, e + combining acute
# (busybox ls prints '?' for non-ASCII bytes: listings here use the shell's glob or find)
listed() { for _f in * .[!.]*; do [ "$_f" = "$1" ] && return 0; done; return 1; }
name_roundtrip() {  # NAME: create, find in the listing, read back after a cache drop
  echo "content of $1" >"$1" || return 1
  listed "$1" || { echo "not listed"; return 1; }
  drop_caches
  [ "$(cat "$1")" = "content of $1" ] || { echo "content differs"; return 1; }
}
check name_space name_roundtrip "$N_SPACE"
check name_accents name_roundtrip "$N_ACCENT"
check name_cjk name_roundtrip "$N_CJK"
check name_nfc name_roundtrip "$N_NFC"
check name_nfd name_roundtrip "$N_NFD"
check_eq name_nfc_nfd_distinct 2 sh -c "find . -maxdepth 1 -name 'caf*' | wc -l"
check name_dir_utf8 mkdir -p "$N_DIR"
check name_dir_utf8_file sh -c "echo deep >'$N_DIR/ファイル.txt'"
check name_rename_cjk mv "$N_CJK" "改名 后.txt"
drop_caches
check_eq name_rename_cjk_read "content of $N_CJK" cat "改名 后.txt"
check_eq name_dir_utf8_read deep cat "$N_DIR/ファイル.txt"

# --- the 255-byte name limit -----------------------------------------------------------------
N255=$(head -c 251 /dev/zero | tr '\0' a).txt
N256=$(head -c 252 /dev/zero | tr '\0' b).txt
N255MB=; i=0; while [ $i -lt 85 ]; do N255MB="$N255MB名"; i=$((i + 1)); done   # 85 x 3 bytes
N256MB="${N255MB}x"
check_eq name_255_length "255 255 256 256" sh -c "echo ${#N255} \$(printf %s '$N255MB' | wc -c) ${#N256} \$(printf %s '$N256MB' | wc -c)"
check name_255_create sh -c "echo long >'$N255'"
check name_255_multibyte_create sh -c "echo longmb >'$N255MB'"
check name_255_mkdir mkdir "d$(head -c 254 /dev/zero | tr '\0' d)"
check_errno name_256_refused ENAMETOOLONG e2etool excl "$N256"
check_errno name_256_multibyte_refused ENAMETOOLONG e2etool excl "$N256MB"
check_errno name_256_mkdir_refused ENAMETOOLONG e2etool mkdir "$N256"
check_errno name_256_rename_refused ENAMETOOLONG e2etool rename "$N255" "$N256"
drop_caches
check_eq name_255_read long cat "$N255"
check_eq name_255_multibyte_read longmb cat "$N255MB"
check_eq name_255_listed 1 sh -c "ls | grep -c '^aaaaaaaa'"
check_eq name_256_absent 0 sh -c "ls | grep -c '^bbbbbbbb' || :"

# --- cd .. ------------------------------------------------------------------------------------
check_eq cd_dotdot "$W/a/b" sh -c 'cd a/b/c && cd .. && pwd'
check_eq cd_dotdot_physical "$W/a/b" sh -c 'cd a/b/c/d && cd ../.. && pwd -P'
check_eq cd_dotdot_same_inode "$(stat -c %i a/b)" stat -c %i a/b/c/..
drop_caches
check_eq cd_dotdot_after_drop "c moved" sh -c 'cd a/b/c/d/e && cd ../../.. && ls | tr "\n" " " | sed "s/ $//"'
check_eq cd_dotdot_from_export_root "$(dirname "$M")" sh -c "cd '$M' && cd .. && pwd"

# --- df (FSSTAT) ------------------------------------------------------------------------------
df_sane() {
  set -- $(df -kP . | tail -n 1)
  [ "$2" -gt 0 ] && [ "$4" -ge 0 ] && [ "$4" -le "$2" ] || { echo "df: $*"; return 1; }
  echo "$2 $4"
}
check df df -kP .
check df_sane df_sane
note df "$(df_sane)"

# --- renames racing with listings -----------------------------------------------------------
# 80 times: a folder with a file renamed over an empty folder while another process lists
# and stats the parent without pause. Answers the server computed before a RENAME but sent
# after it must not make the moved folder's handle STALE (found: Loft retired the live id),
# and the server must not crash on the rename-over (found: a QHash iterator used after an
# erase in NodeTable::move).
mkdir race
rename_race() {
  ( while [ ! -e /tmp/race.stop ]; do ls -l race >/dev/null 2>&1; stat race/* >/dev/null 2>&1; done ) &
  lister=$!
  bad=0 i=0
  while [ $i -lt 80 ]; do
    mkdir "race/to$i" "race/from$i" && echo "n$i" >"race/from$i/f.txt" || bad=$((bad + 1))
    r=$(e2etool rename "race/from$i" "race/to$i")
    c=$(cat "race/to$i/f.txt" 2>&1)
    [ "$r" = OK ] && [ "$c" = "n$i" ] || { bad=$((bad + 1)); echo "#$i: rename $r, read '$c'"; }
    i=$((i + 1))
  done
  touch /tmp/race.stop; wait "$lister"; rm -f /tmp/race.stop
  [ $bad = 0 ]
}
check rename_while_listing rename_race
check_eq rename_while_listing_all_there 80 sh -c 'cat race/to*/f.txt | wc -l'

# --- the whole folder, guest's view vs host's view -------------------------------------------
host_compare end
