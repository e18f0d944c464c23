#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, starting from its committed seeds, and
# prints libFuzzer's final figures (inputs tried, executions per second, coverage).
# Fails when the fuzzer finds a crash, an ASan/UBSan report, a leak, a timeout or a
# broken property; the input that did it is saved under $LOFT_FUZZ_ARTIFACTS.
#
#   run-fuzzer.sh <fuzzer> <seed-dir> [libFuzzer flags...]
#
# Environment: LOFT_FUZZ_SECONDS (default 30), LOFT_FUZZ_RUNS (cap on inputs, default
# 20,000,000), LOFT_FUZZ_SEED (fixed libFuzzer seed; default: random, printed),
# LOFT_FUZZ_ARTIFACTS (default ./fuzz-artifacts), LOFT_FUZZ_STATS (a directory: one
# summary line per target is written there for scripts/test-sanitized.sh's table).
set -uo pipefail

fuzzer=$1
seeds=$2
shift 2
name=$(basename "$fuzzer")
seconds=${LOFT_FUZZ_SECONDS:-30}
runs=${LOFT_FUZZ_RUNS:-20000000}
artifacts=${LOFT_FUZZ_ARTIFACTS:-$PWD/fuzz-artifacts}
mkdir -p "$artifacts"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" "$work/tmp"
# New inputs go to a scratch corpus, never into the committed seeds; temporary files of
# the target (fuzz_rpc_dispatch's served folder) go to the scratch directory too.
export TMPDIR="$work/tmp"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

seed_flag=()
if [[ -n "${LOFT_FUZZ_SEED:-}" ]]; then
  seed_flag=(-seed="$LOFT_FUZZ_SEED")
fi

echo "$name: fuzzing for ${seconds}s from $(find "$seeds" -type f | wc -l) seeds in $seeds"
"$fuzzer" -max_total_time="$seconds" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "${seed_flag[@]}" "$@" \
  "$work/corpus" "$seeds" >"$work/log" 2>&1
rc=$?

stat() { sed -n "s/^stat::$1: *//p" "$work/log" | tail -n1; }
inputs=$(stat number_of_executed_units)
speed=$(stat average_exec_per_sec)
added=$(stat new_units_added)
rss=$(stat peak_rss_mb)
cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$work/log" | tail -n1)
seed=$(sed -n 's/.*Seed: \([0-9]*\).*/\1/p' "$work/log" | head -n1)
corpus=$(find "$work/corpus" -type f | wc -l)

if ((rc == 0)); then
  result=ok
else
  result="FAILED (exit $rc)"
  echo "---- last lines of the libFuzzer log ----"
  tail -n 80 "$work/log"
  echo "---- artifacts in $artifacts ----"
  find "$artifacts" -maxdepth 1 -name "$name-*" -printf "%p (%s bytes)\n"
fi
summary="$name: ${inputs:-?} inputs in ${seconds}s, ${speed:-?} execs/s, ${cov:-cov ?}, +${added:-?} new inputs (scratch corpus $corpus), peak RSS ${rss:-?} MB, seed ${seed:-?}: $result"
echo "$summary"
if [[ -n "${LOFT_FUZZ_STATS:-}" ]]; then
  mkdir -p "$LOFT_FUZZ_STATS"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${inputs:-?}" "${speed:-?}" "$seconds" "${cov:-?}" "$result" \
    >"$LOFT_FUZZ_STATS/$name.tsv"
fi
exit $rc
