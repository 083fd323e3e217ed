#!/bin/sh
# run.sh BUILD_DIR SECONDS: runs each libFuzzer target for SECONDS on a scratch copy of its
# committed corpus. Exits non-zero if any target finds a crash, leak or timeout; the
# reproducer is left in BUILD_DIR/fuzz-findings/ to be added to the corpus once fixed.
set -eu
build=$1
seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz-findings
mkdir -p "$out"
status=0
for t in manifest artifact signature config store_state egress scan; do
    work=$(mktemp -d)
    cp "$src/corpus/$t/"* "$work/"
    echo "fuzz: $t for ${seconds}s"
    if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=131072 -artifact_prefix="$out/$t-" -print_final_stats=1 "$work" \
        >"$out/$t.log" 2>&1; then
        echo "fuzz: $t FAILED; see $out/$t.log"
        tail -n 40 "$out/$t.log"
        status=1
    else
        grep -E '^stat::number_of_executed_units|^Done' "$out/$t.log" || true
    fi
    rm -rf "$work"
done
exit $status
