#!/usr/bin/env bash
# bench/webdav-read.sh — cold sequential read of one file over WebDAV, Loft vs curl, in one
# run against one Apache httpd (mod_dav_fs, Basic auth, started here on a loopback port).
#
# Rows (each the median of --reps runs, methods rotated so none always goes first):
#   curl        `curl -o /dev/null` of the file: one GET, the whole body on one connection
#   loft cold   `loft serve webdav://...` with an empty cache folder, the file read over NFS
#               by nfsbench (seqread, 1 MiB READs, 16 in flight): WebDAV provider + cache
#               layer (ranged GETs of 4-block runs, read-ahead, bodies spliced into
#               the block files) + NFS server
#   loft warm   the same file read again from the same server: served from the block cache
# Apache's access log counts the requests each loft row cost (GETs and all others); the
# warm row must cost zero GETs. The file sits in the server's page cache for every row (it
# is read once first), so the rows compare the clients, not the disk. Loft's block cache
# goes where a user's ~/.cache is: a disk file system (/var/tmp; --cache-base to change);
# a 256 MiB read stays in the page cache there, so the disk is not what is measured
# either. One loft read before the reps, shown on its own, is the first into the new
# cache base folder (see below). The issue's target: loft cold >= 70% of curl.
#
# usage: bench/webdav-read.sh [--build DIR] [--size MIB] [--reps N] [--quick] [--keep]
#                             [--cache-base DIR]
#   --build DIR   a Loft build tree (default: $LOFT_BUILD, else ./build) with app/loft and
#                 bench/nfsbench
#   --size MIB    file size (default 256)
#   --reps N      runs per row (default 3)
#   --quick       smoke mode for CTest: 16 MiB, 1 rep; fails only when a row does not run
#                 or the warm read costs a GET, never on a ratio
#   --keep        keep the work folder (config, logs, data)
#   --cache-base DIR  where Loft's block cache folders are made (default /var/tmp; on a
#                 tmpfs such as /dev/shm each cached page costs more to allocate: ~10%
#                 slower cold reads measured)
set -euo pipefail

BUILD="${LOFT_BUILD:-build}"
SIZE_MIB=256
REPS=3
QUICK=0
KEEP=0
CACHE_BASE=/var/tmp
while (($#)); do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --size) SIZE_MIB="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --quick) QUICK=1; SIZE_MIB=16; REPS=1; shift ;;
    --keep) KEEP=1; shift ;;
    --cache-base) CACHE_BASE="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "webdav-read: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

die() { echo "webdav-read: $*" >&2; exit 1; }
LOFT="$BUILD/app/loft"
NFSBENCH="${NFSBENCH:-$BUILD/bench/nfsbench}"
APACHE=/usr/sbin/apache2
MODS=/usr/lib/apache2/modules
[[ -x $APACHE && -f $MODS/mod_dav_fs.so ]] || die "Apache with mod_dav is missing (Debian: apache2)"
command -v curl >/dev/null || die "curl is missing (Debian: curl)"
[[ -x $LOFT ]] || die "$LOFT is missing: build the tree first"
[[ -x $NFSBENCH ]] || die "$NFSBENCH is missing: build the tree first (target nfsbench)"

# A tmpfs work folder when there is room: the page cache, not a shared disk, serves the file
# (Loft's block cache goes to CACHE_BASE, see above).
need_kib=$((SIZE_MIB * 1024 * 3 + 65536))
base=/var/tmp
if [[ -d /dev/shm ]] && (( $(df -Pk /dev/shm | awk 'NR==2 {print $4}') > need_kib )); then base=/dev/shm; fi
WORK=$(mktemp -d "$base/loft-webdav-bench.XXXXXX")
CACHES=$(mktemp -d "$CACHE_BASE/loft-webdav-bench-cache.XXXXXX")
APACHE_PID=""
SERVE_PID=""
cleanup() {
  [[ -n "$SERVE_PID" ]] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  [[ -n "$APACHE_PID" ]] && kill "$APACHE_PID" 2>/dev/null && wait "$APACHE_PID" 2>/dev/null || true
  if ((KEEP)); then echo "webdav-read: kept $WORK and $CACHES" >&2; else rm -rf "$WORK" "$CACHES"; fi
}
trap cleanup EXIT

# --- Apache: mod_dav_fs below /dav/, Basic auth, one process (-X), access log "METHOD PATH STATUS"
USER_NAME=bench
PASSWORD="bench-$RANDOM$RANDOM"
mkdir -p "$WORK"/{conf,run,logs,www/dav}
printf '%s:{SHA}%s\n' "$USER_NAME" "$(printf '%s' "$PASSWORD" | openssl dgst -binary -sha1 | base64)" >"$WORK/conf/htpasswd"
RUN_AS=""
if [[ $(id -u) -eq 0 ]] && getent passwd www-data >/dev/null; then
  RUN_AS=$'User www-data\nGroup www-data'
  chown -R www-data:www-data "$WORK/run" "$WORK/www"
  chmod 755 "$WORK"
fi
FILE="$WORK/www/dav/big.bin"
head -c "$((SIZE_MIB << 20))" /dev/urandom >"$FILE"
[[ -n $RUN_AS ]] && chown www-data:www-data "$FILE"
cat "$FILE" >/dev/null

start_apache() {
  local port=$1
  cat >"$WORK/conf/httpd.conf" <<CONF
ServerRoot "$WORK"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$WORK/run/httpd.pid"
DefaultRuntimeDir "$WORK/run"
Mutex file:$WORK/run default
ErrorLog "$WORK/logs/error.log"
LogLevel warn
LoadModule mpm_event_module $MODS/mod_mpm_event.so
LoadModule authn_core_module $MODS/mod_authn_core.so
LoadModule authn_file_module $MODS/mod_authn_file.so
LoadModule authz_core_module $MODS/mod_authz_core.so
LoadModule authz_user_module $MODS/mod_authz_user.so
LoadModule auth_basic_module $MODS/mod_auth_basic.so
LoadModule dav_module $MODS/mod_dav.so
LoadModule dav_fs_module $MODS/mod_dav_fs.so
$RUN_AS
LogFormat "%m %U %>s" loft
CustomLog "$WORK/logs/access.log" loft
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 15
DavLockDB "$WORK/run/davlock"
DocumentRoot "$WORK/www"
<Directory />
  AllowOverride None
  Require all denied
</Directory>
<Directory "$WORK/www/dav">
  Dav On
  Options None
  AuthType Basic
  AuthName "loft-bench"
  AuthBasicProvider file
  AuthUserFile "$WORK/conf/htpasswd"
  Require valid-user
</Directory>
CONF
  LANG=C "$APACHE" -X -f "$WORK/conf/httpd.conf" </dev/null >>"$WORK/logs/apache.out" 2>&1 &
  APACHE_PID=$!
  for _ in $(seq 100); do
    kill -0 "$APACHE_PID" 2>/dev/null || return 1
    curl -s -o /dev/null -u "$USER_NAME:$PASSWORD" "http://127.0.0.1:$port/dav/" && return 0
    sleep 0.1
  done
  return 1
}
PORT=""
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if start_apache "$port"; then PORT=$port; break; fi
  kill "$APACHE_PID" 2>/dev/null || true; wait "$APACHE_PID" 2>/dev/null || true; APACHE_PID=""
done
[[ -n "$PORT" ]] || die "Apache did not start: $(tail -5 "$WORK/logs/error.log" "$WORK/logs/apache.out" 2>/dev/null)"

now() { date +%s.%N; }
mibps() { awk -v b="$SIZE_MIB" -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", b / (e - s) }'; }
log_lines() { wc -l <"$WORK/logs/access.log"; }
# requests in the access log after line $1: "GETS OTHERS"
requests_since() {
  tail -n +"$(($1 + 1))" "$WORK/logs/access.log" | awk '$1 == "GET" { g++ } $1 != "GET" { o++ } END { printf "%d %d", g, o }'
}

run_curl() {
  local s e
  s=$(now)
  curl -s -f -o /dev/null -u "$USER_NAME:$PASSWORD" "http://127.0.0.1:$PORT/dav/big.bin" \
    || die "curl failed"
  e=$(now)
  mibps "$s" "$e"
}

nfs_read() { # URL -> MiB/s
  local url=$1 nport secret line
  nport=$(sed 's|nfs://127.0.0.1:\([0-9]*\)/.*|\1|' <<<"$url")
  secret=${url##*/}
  line=$("$NFSBENCH" --url "nfs://127.0.0.1/$secret?nfsport=$nport&mountport=$nport" \
           --workload seqread --path big.bin --inflight 16 2>>"$WORK/nfsbench.log" | grep '^RESULT' || true)
  grep -q 'status=ok' <<<"$line" || die "nfsbench failed: $(tail -3 "$WORK/nfsbench.log")"
  sed -n 's/.* value=\([0-9.]*\) .*/\1/p' <<<"$line"
}

# One loft row pair: cold (empty cache) then warm (same server). Prints
# "COLD_MIBPS COLD_GETS COLD_OTHERS WARM_MIBPS WARM_GETS".
run_loft() {
  local cache="$CACHES/serve-cache.$RANDOM" out="$WORK/serve.out" url="" l0 cold warm creq wreq
  rm -rf "$cache"
  # Emptied here, not by the redirection below: that runs in the background child, and
  # the wait loop could read the previous run's address first.
  : >"$out"
  LOFT_PASSWORD="$PASSWORD" "$LOFT" serve --state-dir "$WORK/state" --cache-dir "$cache" \
      "webdav://$USER_NAME@127.0.0.1:$PORT/dav" >"$out" 2>>"$WORK/serve.log" &
  SERVE_PID=$!
  for _ in $(seq 100); do
    url=$(head -1 "$out" 2>/dev/null || true)
    [[ "$url" == nfs://* ]] && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ "$url" == nfs://* ]] || die "loft serve did not start: $(tail -3 "$WORK/serve.log")"
  l0=$(log_lines)
  cold=$(nfs_read "$url")
  creq=$(requests_since "$l0")
  l0=$(log_lines)
  warm=$(nfs_read "$url")
  wreq=$(requests_since "$l0")
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null || true; SERVE_PID=""
  rm -rf "$cache"
  echo "$cold $creq $warm ${wreq%% *}"
}

# The first loft read writes into a brand-new folder ($CACHES, made by this script): ext4
# first loads the block bitmaps of the group it picks for a new folder (measured: cold
# 930-950 MiB/s, against ~1,650 for the reads after it in the same folder). A user's cache
# folder is not new, so that read is shown on its own and kept out of the medians.
first_read=""
if ((!QUICK)); then
  read -r c cg co w wg <<<"$(run_loft)"
  first_read="$c"
  echo "first loft read into a new cache folder: cold $c MiB/s ($cg GETs), warm $w MiB/s ($wg GETs) — not in the medians" >&2
fi

methods=("curl" "loft")
declare -A results
cold_gets=() cold_others=() warm_gets=()
for ((rep = 0; rep < REPS; rep++)); do
  n=${#methods[@]}
  for ((i = 0; i < n; i++)); do
    m=${methods[$(((i + rep) % n))]}
    case "$m" in
      curl)
        v=$(run_curl); results[curl]+="$v "
        echo "rep $((rep + 1)) curl $v MiB/s" >&2 ;;
      loft)
        read -r c cg co w wg <<<"$(run_loft)"
        results[cold]+="$c "; results[warm]+="$w "
        cold_gets+=("$cg"); cold_others+=("$co"); warm_gets+=("$wg")
        echo "rep $((rep + 1)) loft cold $c MiB/s ($cg GETs, $co other requests), warm $w MiB/s ($wg GETs)" >&2 ;;
    esac
  done
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
curl_med=$(median "${results[curl]}")
cold_med=$(median "${results[cold]}")
warm_med=$(median "${results[warm]}")
gets_med=$(median "${cold_gets[*]}")
others_med=$(median "${cold_others[*]}")
warm_gets_max=$(printf '%s\n' "${warm_gets[@]}" | sort -n | tail -1)
printf '\nsequential read of %d MiB over WebDAV (Apache mod_dav, loopback), median of %d\n' "$SIZE_MIB" "$REPS"
printf '%-34s %10s %9s  %-22s %s\n' "client" "MiB/s" "vs curl" "requests (per MiB)" "runs"
printf '%-34s %10.1f %8.0f%%  %-22s %s\n' "curl (one GET)" "$curl_med" 100 "1" "${results[curl]}"
printf '%-34s %10.1f %8.0f%%  %-22s %s\n' "loft serve, cold cache" "$cold_med" \
  "$(awk -v a="$cold_med" -v b="$curl_med" 'BEGIN { print 100 * a / b }')" \
  "$gets_med GET + $others_med ($(awk -v g="$gets_med" -v o="$others_med" -v s="$SIZE_MIB" 'BEGIN { printf "%.2f", (g + o) / s }'))" \
  "${results[cold]}"
[[ -n $first_read ]] && printf '%-34s %10.1f %8.0f%%  %-22s %s\n' "(first read into a new cache folder)" \
  "$first_read" "$(awk -v a="$first_read" -v b="$curl_med" 'BEGIN { print 100 * a / b }')" "not in the medians" ""
printf '%-34s %10.1f %8.0f%%  %-22s %s\n' "loft serve, warm (block cache)" "$warm_med" \
  "$(awk -v a="$warm_med" -v b="$curl_med" 'BEGIN { print 100 * a / b }')" "GETs: ${warm_gets[*]}" "${results[warm]}"
status=0
if ((warm_gets_max > 0)); then
  echo "warm re-read: $warm_gets_max GET(s) — NOT served from the cache alone"; status=1
else
  echo "warm re-read: zero GETs"
fi
if ((QUICK)); then
  echo "quick mode: ratio not judged"
elif awk -v a="$cold_med" -v b="$curl_med" 'BEGIN { exit !(a >= 0.7 * b) }'; then
  echo "target (loft cold >= 70% of curl): met"
else
  echo "target (loft cold >= 70% of curl): NOT met"
fi
exit $status
