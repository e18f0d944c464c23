#!/usr/bin/env bash
# The one command that sets up and runs Loft on a fresh machine: installs what the
# build needs, builds, and serves a demo folder (no account needed). It prints the
# nfs:// URL and the exact mount commands for Linux and macOS; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --runtime
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target loft
exec build/app/loft serve --demo "$@"
