#!/usr/bin/env bash
# The sanitizer stages of the test suite (called by scripts/test.sh; see
# docs/reliability.md):
#
#   scripts/test-sanitized.sh asan   unit + integration tests built with ASan + UBSan (gcc)
#                                    in build-asan; any sanitizer report fails the stage
#   scripts/test-sanitized.sh fuzz   the libFuzzer targets built with clang-14 in
#                                    build-fuzz, each run LOFT_FUZZ_SECONDS (default 30)
#
# Prints CTest's summary (and, for fuzz, a table of inputs tried and executions per
# second); exits non-zero when a test fails or a sanitizer reports anything.
set -euo pipefail
cd "$(dirname "$0")/.."

stage=${1:?usage: scripts/test-sanitized.sh asan|fuzz}
jobs=$(nproc)

# Tests keep their state under temporary directories (as in scripts/test.sh).
export XDG_DATA_HOME="${XDG_DATA_HOME:-$(mktemp -d)}"
export XDG_CACHE_HOME="${XDG_CACHE_HOME:-$XDG_DATA_HOME/cache}"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

run_asan() {
  local dir=${LOFT_ASAN_BUILD_DIR:-build-asan}
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOFT_SANITIZE=ON >/dev/null
  # Only what the selected tests need (the GUI, e2e and benchmark targets are not built).
  local select=(-L 'unit|integration' -LE 'e2e|gui|bench')
  local targets
  # The executables the tests run (one executable may back several tests, e.g. the
  # tst_nfs_*_webdav/_sftp variants and the per-case fault tests), read from the
  # generated CTestTestfile.cmake files: ctest itself names no command for an executable
  # that is not built yet.
  local names name
  names=$(ctest --test-dir "$dir" -N "${select[@]}" | sed -n 's/^ *Test *#[0-9]*: //p')
  targets=$(for name in $names; do
      grep -rh --include=CTestTestfile.cmake -F "add_test([=[$name]=]" "$dir" \
        | sed -n 's/^add_test(\[=\[[^]]*\]=\] "\([^"]*\)".*/\1/p'
    done | xargs -n1 basename | sort -u)
  # shellcheck disable=SC2086 # one target per word
  cmake --build "$dir" -j "$jobs" --target $targets

  # Reports from the tests and from every `loft` process they start land in files here
  # (child processes inherit the options), so none can hide in a passing test's output.
  local reports="$PWD/$dir/sanitizer-reports"
  rm -rf "$reports"
  mkdir -p "$reports"
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/asan"
  export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"

  local rc=0
  ctest --test-dir "$dir" --output-on-failure --timeout 900 --repeat until-pass:3 "${select[@]}" || rc=$?
  local found in_output pattern='runtime error:|ERROR: (Address|Leak)Sanitizer'
  found=$(find "$reports" -type f | sort)
  if [[ -n "$found" ]]; then
    echo "test-sanitized: sanitizer report files:"
    while read -r f; do
      echo "==== $f"
      cat "$f"
    done <<<"$found"
  fi
  # gcc's UBSan ignores log_path when linked with ASan and writes to stderr (and, built
  # with -fno-sanitize-recover, stops the program). CTest keeps every test's output in
  # LastTest.log: look there too, so a report in a retried or passing test still counts.
  local output="$dir/Testing/Temporary/LastTest.log"
  in_output=$(grep -cE "$pattern" "$output" || true)
  if ((in_output > 0)); then
    echo "test-sanitized: sanitizer reports in the test output ($output):"
    grep -nE -A20 "$pattern" "$output" | head -n 400
  fi
  local total=$(($(grep -c . <<<"$found" || true) + in_output))
  echo "test-sanitized: ASan/UBSan/LSan reports: $total"
  ((total == 0)) || rc=1
  return $rc
}

run_fuzz() {
  local dir=${LOFT_FUZZ_BUILD_DIR:-build-fuzz}
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOFT_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  cmake --build "$dir" -j "$jobs" --target loft_fuzzers
  local stats="$PWD/$dir/fuzz-stats"
  rm -rf "$stats"
  export LOFT_FUZZ_STATS="$stats"
  export LOFT_FUZZ_ARTIFACTS="$PWD/$dir/fuzz-artifacts"
  local rc=0
  # No retries here: a fuzzer failure is a finding, not a scheduling hiccup.
  ctest --test-dir "$dir" --output-on-failure --timeout 900 -L fuzz || rc=$?
  echo
  printf '%-24s %12s %10s %6s  %-20s %s\n' target inputs execs/s secs coverage result
  if [[ -d "$stats" ]]; then
    sort "$stats"/*.tsv | while IFS=$'\t' read -r name inputs speed secs cov result; do
      printf '%-24s %12s %10s %6s  %-20s %s\n' "$name" "$inputs" "$speed" "$secs" "$cov" "$result"
    done
  fi
  return $rc
}

start=$SECONDS
rc=0
case "$stage" in
  asan) run_asan || rc=$? ;;
  fuzz) run_fuzz || rc=$? ;;
  *)
    echo "usage: scripts/test-sanitized.sh asan|fuzz" >&2
    exit 2
    ;;
esac
echo "test-sanitized: stage $stage took $((SECONDS - start)) s, exit $rc"
exit $rc
