#!/bin/sh
# scripts/format.sh — clang-format the C files that differ from the last
# commit (new, staged or modified). The house style (.clang-format) was chosen
# once and the tree is never mass-reformatted, so by default only changed
# files are touched; `scripts/format.sh --all` formats every C file, and
# `--check` only reports files that need formatting (exit 1 if any).
set -eu

cd "$(dirname -- "$0")/.."

mode=changed
check=no
for arg in "$@"; do
  case "$arg" in
    --all) mode=all ;;
    --check) check=yes ;;
    *) echo "usage: $0 [--all] [--check]" >&2; exit 2 ;;
  esac
done

if ! command -v clang-format > /dev/null 2>&1; then
  echo "format: clang-format is not installed (apt-get install clang-format)" >&2
  exit 1
fi

if [ "$mode" = all ] || ! git rev-parse --verify -q HEAD > /dev/null 2>&1; then
  files=$(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
else
  files=$( (git diff --name-only --diff-filter=ACMR HEAD -- '*.c' '*.h'
            git ls-files --others --exclude-standard -- '*.c' '*.h') | sort -u)
fi

[ -n "$files" ] || { echo "format: no C files to format"; exit 0; }

status=0
for file in $files; do
  [ -f "$file" ] || continue
  if [ "$check" = yes ]; then
    if ! clang-format --dry-run --Werror "$file" > /dev/null 2>&1; then
      echo "format: needs formatting: $file"
      status=1
    fi
  else
    clang-format -i "$file"
  fi
done
exit $status
