#!/bin/sh
# Copies the files the proposed fixes touch into a new folder, applies every patch here to the
# copies (in name order), and prints the folder, for:
#   npm run bench -- --overlay "$(sh bench/proposed-fixes/overlay.sh)"
# The repository itself is not changed.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-fixes-XXXXXX")
for fix in "$root"/bench/proposed-fixes/*.patch; do
  for file in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$fix"); do
    if [ ! -e "$out/$file" ]; then
      mkdir -p "$out/$(dirname "$file")"
      cp "$root/$file" "$out/$file"
    fi
  done
  patch --quiet -p1 -d "$out" < "$fix" >&2
done
echo "$out"
