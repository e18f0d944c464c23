#!/usr/bin/env bash
# bench/sftp-read.sh — cold sequential read of one file over SFTP, Loft vs OpenSSH, in one
# run against one sshd (started here on a loopback port with generated keys).
#
# Rows (each the median of --reps runs, methods rotated so none always goes first):
#   sftp              OpenSSH's sftp client, default settings (64 requests of 32 KiB in
#                     flight, its default cipher: chacha20-poly1305), `get FILE /dev/null`
#   sftp aes128-gcm   the same with -c aes128-gcm@openssh.com (Loft's default cipher)
#   loft provider     Loft's SFTP provider read the way the kernel NFS client reads a file:
#                     1 MiB READs, 16 in flight (tests/integration/sftp_provider_bench); a new
#                     provider per run, so nothing is cached; its default 4 SSH sessions
#   loft provider, 1  the same with a single SSH session (one connection, like sftp)
#   loft serve        end to end: `loft serve sftp://...` with an empty cache folder, read
#                     over NFS by nfsbench (seqread, 1 MiB, 16 in flight): provider + cache
#                     layer + NFS server
# The file sits in the server's page cache for every row (it is read once first), so the
# rows compare the SFTP clients, not the disk. The issue's target: loft provider >= 80% of
# sftp.
#
# usage: bench/sftp-read.sh [--build DIR] [--size MIB] [--reps N] [--no-serve] [--quick] [--keep]
#   --build DIR   a Loft build tree (default: $LOFT_BUILD, else ./build) with
#                 tests/integration/sftp_provider_bench, app/loft and bench/nfsbench
#   --size MIB    file size (default 256)
#   --reps N      runs per row (default 3)
#   --no-serve    skip the end-to-end row
#   --quick       smoke mode for CTest: 16 MiB, 1 rep; fails only when a row does not run,
#                 never on a ratio
#   --keep        keep the work folder (keys, logs, data)
set -euo pipefail

BUILD="${LOFT_BUILD:-build}"
SIZE_MIB=256
REPS=3
SERVE=1
KEEP=0
QUICK=0
while (($#)); do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --size) SIZE_MIB="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --no-serve) SERVE=0; shift ;;
    --quick) QUICK=1; SIZE_MIB=16; REPS=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sftp-read: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "sftp-read: $*" >&2; exit 1; }
READER="$BUILD/tests/integration/sftp_provider_bench"
LOFT="$BUILD/app/loft"
NFSBENCH="${NFSBENCH:-$BUILD/bench/nfsbench}"
[[ -x /usr/sbin/sshd ]] || die "/usr/sbin/sshd is missing (Debian: openssh-server)"
command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || die "sftp/ssh-keygen are missing (Debian: openssh-client)"
[[ -x "$READER" ]] || die "$READER is missing: build the tree first (ninja -C $BUILD sftp_provider_bench)"
if ((SERVE)) && { [[ ! -x "$LOFT" ]] || [[ ! -x "$NFSBENCH" ]]; }; then
  echo "sftp-read: $LOFT or $NFSBENCH missing: skipping the loft serve row" >&2
  SERVE=0
fi

# A tmpfs work folder when there is room: the page cache, not a shared disk, serves the file.
need_kib=$((SIZE_MIB * 1024 * 2 + 65536))
base=/var/tmp
if [[ -d /dev/shm ]] && (( $(df -Pk /dev/shm | awk 'NR==2 {print $4}') > need_kib )); then base=/dev/shm; fi
WORK=$(mktemp -d "$base/loft-sftp-bench.XXXXXX")
SSHD_PID=""
SERVE_PID=""
cleanup() {
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  if [[ -n "$SSHD_PID" ]]; then
    for child in $(pgrep -P "$SSHD_PID" 2>/dev/null); do kill -KILL "$child" 2>/dev/null || true; done
    kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null || true
  fi
  if ((KEEP)); then echo "sftp-read: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# --- sshd with generated keys
USER_NAME=$(id -un)
mkdir -p "$WORK/data"
ssh-keygen -q -t ed25519 -N "" -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N "" -f "$WORK/client_key"
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
[[ $(id -u) -eq 0 ]] && mkdir -p /run/sshd
cat > "$WORK/sshd_config" <<CONF
ListenAddress 127.0.0.1
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
Subsystem sftp internal-sftp
UsePAM no
PermitRootLogin yes
PasswordAuthentication no
StrictModes no
PidFile none
CONF
PORT=""
for attempt in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  /usr/sbin/sshd -D -e -f "$WORK/sshd_config" -p "$port" 2>"$WORK/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 50); do
    grep -q "Server listening" "$WORK/sshd.log" 2>/dev/null && break
    kill -0 "$SSHD_PID" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "Server listening" "$WORK/sshd.log"; then PORT=$port; break; fi
  kill "$SSHD_PID" 2>/dev/null || true; wait "$SSHD_PID" 2>/dev/null || true; SSHD_PID=""
done
[[ -n "$PORT" ]] || die "sshd did not start: $(cat "$WORK/sshd.log")"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/host_key.pub")" > "$WORK/known_hosts"

FILE="$WORK/data/big.bin"
head -c "$((SIZE_MIB << 20))" /dev/urandom > "$FILE"
cat "$FILE" > /dev/null
URL="sftp://$USER_NAME@127.0.0.1:$PORT$WORK/data"
SFTP_OPTS=(-q -b - -i "$WORK/client_key" -o "UserKnownHostsFile=$WORK/known_hosts"
           -o BatchMode=yes -o IdentitiesOnly=yes -P "$PORT")

now() { date +%s.%N; }
mibps() { awk -v b="$SIZE_MIB" -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", b / (e - s) }'; }

run_sftp() { # [cipher]
  local extra=()
  [[ -n "${1:-}" ]] && extra=(-c "$1")
  local s e
  s=$(now)
  echo "get $FILE /dev/null" | sftp "${SFTP_OPTS[@]}" "${extra[@]}" "$USER_NAME@127.0.0.1" >/dev/null 2>>"$WORK/sftp.log" \
    || die "sftp failed: $(tail -3 "$WORK/sftp.log")"
  e=$(now)
  mibps "$s" "$e"
}

run_provider() { # [sessions]
  local line extra=()
  [[ -n "${1:-}" ]] && extra=(--sessions "$1")
  line=$(env -u SSH_AUTH_SOCK "$READER" "${extra[@]}" --identity "$WORK/client_key" --known-hosts "$WORK/known_hosts" \
           "$URL" big.bin 2>>"$WORK/reader.log") || die "sftp_provider_bench failed: $(tail -3 "$WORK/reader.log")"
  sed -n 's/.*MiB\/s=\([0-9.]*\).*/\1/p' <<<"$line"
}

run_serve() {
  local cache="$WORK/serve-cache.$RANDOM" out="$WORK/serve.out"
  rm -rf "$cache"
  # Emptied here, not by the redirection below: that runs in the background child, and
  # the wait loop could read the previous run's address first.
  : >"$out"
  env -u SSH_AUTH_SOCK "$LOFT" serve --state-dir "$WORK/state" --cache-dir "$cache" \
      --identity "$WORK/client_key" --known-hosts "$WORK/known_hosts" "$URL" >"$out" 2>>"$WORK/serve.log" &
  SERVE_PID=$!
  local url=""
  for _ in $(seq 100); do
    url=$(head -1 "$out" 2>/dev/null || true)
    [[ "$url" == nfs://* ]] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ "$url" == nfs://* ]] || die "loft serve did not start: $(tail -3 "$WORK/serve.log")"
  local nport export line
  nport=$(sed 's|nfs://127.0.0.1:\([0-9]*\)/.*|\1|' <<<"$url")
  export=${url##*/}
  line=$("$NFSBENCH" --url "nfs://127.0.0.1/$export?nfsport=$nport&mountport=$nport" \
           --workload seqread --path big.bin --inflight 16 2>>"$WORK/nfsbench.log" | grep '^RESULT' || true)
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
  rm -rf "$cache"
  grep -q 'status=ok' <<<"$line" || die "nfsbench failed: $(tail -3 "$WORK/nfsbench.log")"
  sed -n 's/.* value=\([0-9.]*\) .*/\1/p' <<<"$line"
}

methods=("sftp" "sftp-gcm" "provider" "provider1")
((SERVE)) && methods+=("serve")
declare -A results
for ((rep = 0; rep < REPS; rep++)); do
  n=${#methods[@]}
  for ((i = 0; i < n; i++)); do
    m=${methods[$(((i + rep) % n))]}
    case "$m" in
      sftp) v=$(run_sftp) ;;
      sftp-gcm) v=$(run_sftp aes128-gcm@openssh.com) ;;
      provider) v=$(run_provider) ;;
      provider1) v=$(run_provider 1) ;;
      serve) v=$(run_serve) ;;
    esac
    results[$m]+="$v "
    echo "rep $((rep + 1)) $m $v MiB/s" >&2
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A label=([sftp]="OpenSSH sftp (defaults)" [sftp-gcm]="OpenSSH sftp -c aes128-gcm" \
                  [provider]="Loft SFTP provider (16 x 1 MiB)" [provider1]="Loft SFTP provider, 1 session" \
                  [serve]="loft serve + nfsbench (cold cache)")
base=$(median "${results[sftp]}")
printf '\ncold sequential read of %d MiB over SFTP on loopback, median of %d (MiB/s)\n' "$SIZE_MIB" "$REPS"
printf '%-36s %10s %9s   %s\n' "client" "median" "vs sftp" "runs"
for m in "${methods[@]}"; do
  med=$(median "${results[$m]}")
  printf '%-36s %10.1f %8.0f%%   %s\n' "${label[$m]}" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN { print 100 * a / b }')" "${results[$m]}"
done
prov=$(median "${results[provider]}")
if ((SERVE)); then
  serve=$(median "${results[serve]}")
  if ((QUICK)); then :
  elif awk -v a="$serve" -v b="$base" 'BEGIN { exit !(a >= 0.8 * b) }'; then
    echo "target (loft serve, cold >= 80% of sftp): met"
  else
    echo "target (loft serve, cold >= 80% of sftp): NOT met"
  fi
fi
if ((QUICK)); then
  echo "quick mode: ratios not judged"
elif awk -v a="$prov" -v b="$base" 'BEGIN { exit !(a >= 0.8 * b) }'; then
  echo "target (provider >= 80% of sftp): met"
else
  echo "target (provider >= 80% of sftp): NOT met"
fi
