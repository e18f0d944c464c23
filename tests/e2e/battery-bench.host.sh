# shellcheck shell=bash
# battery-bench.host.sh — host side of battery-bench.sh (bench/kernel-run's workloads).
# LOFT_KBENCH_TREE names a folder holding `tree/` (bench/make-source-tree's output) and
# `src.tar` (it, as a tarball); without it, battery_setup generates a small one in $RUN.

bench_tree() {
  if [[ -n ${LOFT_KBENCH_TREE:-} ]]; then echo "$LOFT_KBENCH_TREE"; else echo "$RUN/bench-tree"; fi
}

battery_setup() {
  local w=$1 src
  src=$(bench_tree)
  if [[ ! -f $src/src.tar ]]; then
    mkdir -p "$src" &&
      "$HERE/../../bench/make-source-tree" "$src/tree" "${LOFT_KBENCH_FILES:-200}" "${LOFT_KBENCH_DIRS:-20}" >/dev/null &&
      tar -C "$src" --format=ustar --sort=name --mtime=@1700000000 --owner=0 --group=0 \
        --numeric-owner -cf "$src/src.tar" tree || return 1
  fi
  cp "$src/src.tar" "$w/src.tar" || return 1
  find "$src/tree" -type f | wc -l >"$w/src.files"
  (cd "$src" && find tree -type f | LC_ALL=C sort | xargs cat | md5sum | cut -d' ' -f1) >"$w/src.md5"
}

# While the guest waits, after the untar: the served t/ holds exactly the generated tree.
tree_matches() {
  local w=$1
  host_check tree_matches diff -r "$(bench_tree)/tree" "$w/t/tree"
}

battery_verify() {
  local w=$1
  host_check tree_removed bash -c "[[ ! -e '$w/t' ]]"
}
