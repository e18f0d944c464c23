# battery-bulk.sh — many entries through the kernel client: a directory of 3,000 entries
# listed completely (READDIR/READDIRPLUS paging) and removed, `find` over a tree of 2,000
# files, `cp -a` of a tree with symlinks. The host compares while the guest runs (hooks in
# battery-bulk.host.sh) and afterwards. Sourced by the guest's /init in $W.

md5() { md5sum | cut -d' ' -f1; }   # md5 of stdin

# --- a directory of 3,000 entries -----------------------------------------------------------
# Four creators at once (the client pipelines their CREATEs); names f0000..f2999.
i=0; while [ $i -lt 3000 ]; do printf 'f%04d\n' $i; i=$((i + 1)); done >/tmp/names3000
sed -n '/[02468]$/p' /tmp/names3000 >/tmp/names1500
mkdir big
create_range() {  # FIRST LAST
  j=$1
  while [ "$j" -le "$2" ]; do
    # f%04d without a fork per name (a command substitution costs ~5 ms under TCG)
    if [ "$j" -lt 10 ]; then n=f000$j; elif [ "$j" -lt 100 ]; then n=f00$j
    elif [ "$j" -lt 1000 ]; then n=f0$j; else n=f$j; fi
    : >"big/$n" || return 1
    j=$((j + 1))
  done
}
create_3000() {
  pids=
  for r in "0 749" "750 1499" "1500 2249" "2250 2999"; do create_range $r & pids="$pids $!"; done
  rc=0
  for p in $pids; do wait "$p" || rc=1; done
  return $rc
}
check bigdir_create_3000 create_3000
check_eq bigdir_count_cached 3000 sh -c 'ls big | wc -l'
drop_caches
check_eq bigdir_count 3000 sh -c 'ls big | wc -l'
check_eq bigdir_names "$(md5 </tmp/names3000)" sh -c 'ls big | md5sum | cut -d" " -f1'
# Unsorted, in the server's READDIR order, each name exactly once.
check_eq bigdir_readdir_order_unique 3000 sh -c 'find big -mindepth 1 | sort -u | wc -l'
check_eq bigdir_stat_all 3000 sh -c 'ls -l big | grep -c "^-"'
host_hook bigdir_full
# Remove the odd half while listing the folder (READDIR paging while it changes): the
# listing may or may not see an odd name, but must see every even one, and each only once.
drop_caches
( rm big/f*[13579]; echo $? >/tmp/rm.rc ) &
rmpid=$!
usleep 300000
find big -mindepth 1 -maxdepth 1 >/tmp/during
rm_done() { wait_gone "$rmpid" 120 && [ "$(cat /tmp/rm.rc)" = 0 ]; }
check bigdir_remove_half rm_done
wait "$rmpid"
check_eq bigdir_list_while_removing_no_duplicates "" sh -c 'sort /tmp/during | uniq -d | head -n 3'
check_eq bigdir_list_while_removing_sees_the_rest 1500 sh -c 'grep -c "[02468]$" /tmp/during'
note listed_while_removing "$(wc -l </tmp/during)"
rm -f /tmp/during /tmp/rm.rc
drop_caches
check_eq bigdir_half_names "$(md5 </tmp/names1500)" sh -c 'ls big | md5sum | cut -d" " -f1'
host_hook bigdir_half
check bigdir_remove rm -rf big
drop_caches
check_fails bigdir_gone stat big
rm -f /tmp/names3000 /tmp/names1500

# --- find over a tree of 2,000 files --------------------------------------------------------
# tree/dN/eM/fK: 10 x 10 folders, 20 files each (2,000 files, 111 folders with tree/).
make_top() {  # N...
  for n in "$@"; do
    for m in 0 1 2 3 4 5 6 7 8 9; do
      mkdir -p "tree/d$n/e$m" || return 1
      k=0
      while [ $k -lt 20 ]; do echo "$n$m$k" >"tree/d$n/e$m/f$k" || return 1; k=$((k + 1)); done
    done
  done
}
make_tree() {
  mkdir tree || return 1
  pids=
  for g in "0 1" "2 3" "4 5" "6 7" "8 9"; do make_top $g & pids="$pids $!"; done
  rc=0
  for p in $pids; do wait "$p" || rc=1; done
  return $rc
}
check find_make_tree make_tree
drop_caches
check_eq find_files 2000 sh -c 'find tree -type f | wc -l'
check_eq find_dirs 111 sh -c 'find tree -type d | wc -l'
check_eq find_by_name 1100 sh -c "find tree -type f -name 'f1*' | wc -l"
check_eq find_content 1 sh -c 'find tree -type f -name f17 -path "*d3/e4*" | xargs cat | grep -c "^3417$"'
check_eq find_all_names_unique 2111 sh -c 'find tree | sort -u | wc -l'
note find_names_md5 "$(find tree -type f | sort | md5)"

# --- cp -a of a tree with symlinks ------------------------------------------------------------
# WebDAV has no symlinks (SYMLINK is refused with EPERM) and keeps no modes or client-set
# times: there the source has no links, and what cp -a keeps is compared without them.
make_src() {
  mkdir -p src/sub/deeper src/empty &&
    echo "file a" >src/a.txt && chmod 600 src/a.txt &&
    head -c 100000 /dev/urandom >src/sub/b.bin && chmod 755 src/sub/b.bin &&
    echo "file c" >src/sub/deeper/c.txt &&
    { store_is webdav || {
      ln -s a.txt src/link-rel &&
      ln -s sub/deeper src/link-dir &&
      ln -s ../a.txt src/sub/link-up &&
      ln -s /etc/hostname src/link-abs &&
      ln -s nowhere src/link-dangling; }; } &&
    touch -d "2005-06-07 08:09:10" src/a.txt src/sub/b.bin src/sub/deeper/c.txt
}
check cpa_make_source make_src
if store_is webdav; then check_errno cpa_symlink_refused EPERM e2etool symlink a.txt src/link-rel; fi
check cpa_copy cp -a src dst
drop_caches
# WebDAV: the mtime column is the server's upload time (or the one cp -a set, while the
# upload is pending), so it is left out there; types, modes, sizes, bytes and names stay.
manifest_md5() {
  if store_is webdav; then manifest "$1" | awk '{ if ($5 != "-") $5 = "*"; print }' | md5
  else manifest "$1" | md5; fi
}
check_eq cpa_same_tree "$(manifest_md5 src)" manifest_md5 dst
check_eq cpa_content_kept "$(cat src/sub/b.bin src/a.txt src/sub/deeper/c.txt | md5)" sh -c 'cat dst/sub/b.bin dst/a.txt dst/sub/deeper/c.txt | md5sum | cut -d" " -f1'
if store_is webdav; then
  for c in cpa_symlink_kept cpa_symlink_dir_kept cpa_read_through_symlink; do
    skip "$c" "WebDAV has no symlinks (refused with EPERM: cpa_symlink_refused)"
  done
  skip cpa_mtime_kept "WebDAV keeps no client-set times (accepted, not stored)"
  skip cpa_mode_kept "WebDAV keeps no modes (chmod accepted, not stored)"
else
  check_eq cpa_symlink_kept a.txt readlink dst/link-rel
  check_eq cpa_symlink_dir_kept "symbolic link" stat -c %F dst/link-dir
  check_eq cpa_read_through_symlink "file c" cat dst/link-dir/c.txt
  check_eq cpa_mtime_kept 1118131750 stat -c %Y dst/sub/b.bin
  check_eq cpa_mode_kept "600 755" sh -c 'echo $(stat -c %a dst/a.txt dst/sub/b.bin)'
fi
host_compare cpa_src src
host_compare cpa_dst dst
