# battery-bench.sh — timed workloads for bench/kernel-run (not a correctness battery, though
# each step must succeed): untar a source tree of small files onto the mount, `find -exec
# stat` over it, `cat` every file, `rm -rf` it, each after dropping the guest's caches so
# the work goes to the server. battery-bench.host.sh puts the tarball (src.tar) and what to
# expect (src.files, src.md5) into $W. Each step prints
#   NOTE bench.ms_STEP <milliseconds, guest clock>
#   NOTE bench.rpc_STEP <proc>=<calls> ...   (NFSv3 calls the guest's client sent, from
#                                            /proc/net/rpc/nfs, only the non-zero ones)
# Sourced by the guest's /init in $W.

# Guest uptime in centiseconds (/proc/uptime has two decimals; busybox date has no %N).
uptime_cs() { read -r _u _ </proc/uptime; echo "${_u%.*}${_u#*.}"; }
rpc_counts() { sed -n 's/^proc3 [0-9]* //p' /proc/net/rpc/nfs; }
rpc_delta() {  # BEFORE AFTER: "proc=n ..." for every NFSv3 procedure with calls in between
  echo "$1 $2" | awk '{
    split("null getattr setattr lookup access readlink read write create mkdir symlink mknod remove rmdir rename link readdir readdirplus fsstat fsinfo pathconf commit", p, " ")
    h = NF / 2; s = ""
    for (i = 1; i <= h; i++) if ($(h + i) - $i > 0) s = s " " p[i] "=" ($(h + i) - $i)
    print substr(s, 2) }'
}

# timed STEP CMD...: drops the caches, runs CMD and notes its time and RPC calls.
timed() {
  _step=$1; shift
  drop_caches
  begin "$_step"
  _r0=$(rpc_counts); _t0=$(uptime_cs)
  _out=$("$@" 2>&1); _rc=$?
  _t1=$(uptime_cs); _r1=$(rpc_counts)
  note "ms_$_step" $(((_t1 - _t0) * 10))
  note "rpc_$_step" "$(rpc_delta "$_r0" "$_r1")"
  if [ $_rc -eq 0 ]; then pass "$_step"; else fail "$_step" "exit $_rc: $*: $_out"; fi
}

untar() { mkdir t && tar xf /tmp/src.tar -C t && sync; }
stat_all() { find t -exec stat {} + >/dev/null; }
cat_all() { find t -type f -exec cat {} + >/dev/null; }
content_md5() { find t -type f | LC_ALL=C sort | xargs cat | md5sum | cut -d' ' -f1; }

files=$(cat src.files)
check copy_tarball cp src.tar /tmp/src.tar
timed untar untar
check_eq untar_files "$files" sh -c 'find t -type f | wc -l'
host_hook tree_matches   # the host compares the served t/ with the tree it generated
timed stat stat_all
timed cat cat_all
check_eq cat_content "$(cat src.md5)" content_md5   # untimed, from the page cache
timed rm rm -rf t
check_fails rm_gone stat t
rm -f /tmp/src.tar
