#!/usr/bin/env bash
# remote-settle.sh RUN — waits (bounded: 120 s) until loft_e2e_remote_serve's loft has no
# staged copy left under RUN/cache, i.e. every file the guest wrote is on the store's disk.
# run-battery.sh runs it (LOFT_E2E_SETTLE_CMD) before comparing the served folder mid-run.
set -uo pipefail
cache=${1:?usage: remote-settle.sh RUN}/cache
for _ in $(seq 1 2400); do
  if [[ -z $(find "$cache" -path '*/staging/*' -type f -print -quit 2>/dev/null) ]]; then exit 0; fi
  sleep 0.05
done
echo "remote-settle: uploads still pending after 120 s" >&2
exit 1
