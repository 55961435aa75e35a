#!/bin/sh
# run-fuzzer.sh — run one libFuzzer target for a bounded time as a meson test.
#   run-fuzzer.sh FUZZER SEED_CORPUS_DIR ARTIFACT_DIR SECONDS [DICTIONARY]
# New inputs go to a temporary writable corpus (removed afterwards); the seed
# corpus in the source tree is only read. A crash, leak, timeout or sanitizer
# report makes libFuzzer exit non-zero, and so the test fails; the input that
# caused it is written to ARTIFACT_DIR — add it to the seed corpus with the fix.
set -eu

fuzzer=$1
seeds=$2
artifacts=$3
seconds=$4
dict=${5:+-dict=$5}

work=$(mktemp -d "${TMPDIR:-/tmp}/lc-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$artifacts"

# -error_exitcode/-timeout_exitcode: libFuzzer's default (77) is what meson
# reads as "skipped"; a crash, leak or hang must fail the test.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=8192 -rss_limit_mb=4096 \
  -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$artifacts/" $dict "$work" "$seeds"
