#!/usr/bin/env bash
# Prints the Debian mirrors this machine's apt uses, as two lines "main URI" and
# "security URI", read from /etc/apt/sources.list and sources.list.d (one-line and
# deb822 formats). The packaging tests build their Debian 12 root from the same mirror.
# LOFT_DEBIAN_MIRROR / LOFT_DEBIAN_SECURITY_MIRROR override; deb.debian.org is the fallback.
set -euo pipefail

files=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [[ -f $f ]] && files+=("$f")
done

# One "URI SUITE" pair per line from every file.
pairs() {
  ((${#files[@]})) || return 0
  awk '
    FNR == 1 { flush() }
    /^[[:space:]]*#/ { next }
    /^deb[[:space:]]/ {
      i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      print $i, $(i + 1); next
    }
    /^URIs:/ { uris = ""; for (i = 2; i <= NF; i++) uris = uris " " $i }
    /^Suites:/ { suites = ""; for (i = 2; i <= NF; i++) suites = suites " " $i }
    /^[[:space:]]*$/ { flush() }
    function flush(  u, s, nu, ns, a, b) {
      nu = split(uris, a); ns = split(suites, b)
      for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++) print a[u], b[s]
      uris = ""; suites = ""
    }
    END { flush() }
  ' "${files[@]}"
}

main=${LOFT_DEBIAN_MIRROR:-$(pairs | awk '$2 == "bookworm" { print $1; exit }')}
security=${LOFT_DEBIAN_SECURITY_MIRROR:-$(pairs | awk '$2 == "bookworm-security" { print $1; exit }')}
echo "main ${main:-http://deb.debian.org/debian}"
echo "security ${security:-http://deb.debian.org/debian-security}"
