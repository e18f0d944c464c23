#!/usr/bin/env bash
# Checks that the committed binary seeds (tests/fuzz/corpus) are what make_fuzz_seeds
# writes today, so a change to an XDR type cannot leave the fuzzers starting from stale
# encodings. Regenerate with: make_fuzz_seeds tests/fuzz/corpus
#
#   check-seeds.sh <make_fuzz_seeds> <corpus-dir>
set -euo pipefail
generator=$1
corpus=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$generator" "$work"
status=0
for dir in "$work"/*/; do
  target=$(basename "$dir")
  if ! diff -r "$dir" "$corpus/$target"; then
    echo "check-seeds: $corpus/$target differs from make_fuzz_seeds' output"
    status=1
  else
    echo "check-seeds: $target: $(find "$dir" -type f | wc -l) seeds up to date"
  fi
done
exit $status
