#!/usr/bin/env bash
# Runs every command block of README.md as written, from the repository's root, the way a
# newcomer types them: each block in its own `bash -euo pipefail`, in order. Lines that start the
# CI itself (`make test`) or the two-hour main job (`make ablations`, which test-ablations-tiny
# covers at a small size) are skipped and named. The blocks write into run/, which this script
# empties first (only when an earlier check made it, so a user's run/ is never removed). Where BIN
# names another build folder (make test SWIFT_TARGET_CPU=haswell), the blocks' .build/release is
# read as BIN, so they run that build's tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
readme=README.md
if [ -d run ] && [ ! -f run/.made-by-check-readme ]; then
  echo "check-readme: run/ exists and was not made by this check; move it away first" >&2
  exit 64
fi
rm -rf run

blocks=$(mktemp -d); trap 'rm -rf "$blocks"' EXIT
# One file per fenced block (``` alone or with a shell language), named by its first line number.
awk -v dir="$blocks" '
  /^```(sh|bash)?$/ && !inside { inside = 1; start = NR; file = sprintf("%s/%05d", dir, NR); printf "" > file; next }
  /^```$/ && inside { inside = 0; close(file); next }
  inside { print > file }' "$readme"

count=0
for block in "$blocks"/*; do
  line=$((10#$(basename "$block")))
  script=$(mktemp)
  while IFS= read -r command; do
    if [[ $command =~ ^make\ (test|ablations)([[:space:]]|$) ]]; then
      echo "check-readme: $readme:$line: skipped \`${command%%#*}\` (the CI itself, or the main job that test-ablations-tiny covers)"
    else
      printf '%s\n' "${command//.build\/release/${BIN:-.build/release}}" >> "$script"
    fi
  done < "$block"
  started=$(date +%s)
  if ! bash -euo pipefail "$script" > "$blocks/out" 2>&1; then
    tail -20 "$blocks/out" >&2
    echo "check-readme: the block at $readme:$line failed (its last output is above)" >&2
    rm -f "$script"
    exit 1
  fi
  rm -f "$script"
  count=$((count + 1))
  echo "check-readme: $readme:$line: ok ($(( $(date +%s) - started )) s)"
done
mkdir -p run && touch run/.made-by-check-readme
echo "check-readme: $count command blocks of $readme ran as written"
