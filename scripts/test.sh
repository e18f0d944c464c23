#!/usr/bin/env bash
# The one command that sets up and runs every test: installs the Debian packages,
# builds Loft, and runs the CTest suite (unit, integration, kernel-client e2e, GUI,
# benchmark smoke); then the sanitizer stages (scripts/test-sanitized.sh): the unit and
# integration tests built with ASan+UBSan, and the libFuzzer targets. Prints each
# stage's CTest summary; exits non-zero when anything fails in any stage.
#
#   scripts/test.sh                 everything
#   scripts/test.sh -L e2e          only tests with a label (any ctest arguments pass
#                                   through; the sanitizer stages run only without them)
#   LOFT_SANITIZED=0 scripts/test.sh   everything but the sanitizer stages
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

BUILD_DIR=${LOFT_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"

# Tests write state (export secrets, handle maps) only under temporary directories;
# point the default locations there too so a test run never touches the user's own.
export XDG_DATA_HOME="${XDG_DATA_HOME_FOR_TESTS:-$(mktemp -d)}"
export XDG_CACHE_HOME="$XDG_DATA_HOME/cache"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

# A test that fails is run again (up to 3 tries) so one scheduling hiccup on a loaded
# machine does not fail the run; a test that keeps failing still does. Every retry is
# printed in the output.
stage_start=$SECONDS
rc=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 --repeat until-pass:3 "$@" || rc=$?
summary=("main suite: exit $rc, $((SECONDS - stage_start)) s")

if (($# == 0)) && [[ "${LOFT_SANITIZED:-1}" != 0 ]]; then
  for stage in asan fuzz; do
    echo
    echo "==== stage: $stage (scripts/test-sanitized.sh $stage)"
    stage_start=$SECONDS
    stage_rc=0
    scripts/test-sanitized.sh "$stage" || stage_rc=$?
    summary+=("$stage: exit $stage_rc, $((SECONDS - stage_start)) s")
    ((stage_rc == 0)) || rc=1
  done
  echo
  echo "==== stages"
  printf '  %s\n' "${summary[@]}"
fi
exit $rc
