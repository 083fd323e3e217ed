#!/bin/sh
# run.sh BUILD_DIR SECONDS: runs each libFuzzer target for SECONDS on a scratch copy of its
# committed corpus. Exits non-zero if any target finds a crash, leak or timeout; the
# reproducer is left in BUILD_DIR/fuzz-findings/ to be added to the corpus once fixed.
# The targets are the fuzz_* programs the build made, so the one list is FUZZ_TARGETS in
# tests/fuzz/CMakeLists.txt.
set -eu
build=$1
seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
out=$build/fuzz-findings
mkdir -p "$out"
status=0
targets=
for bin in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] && targets="$targets ${bin##*/fuzz_}"
done
if [ -z "$targets" ]; then
    echo "fuzz: no fuzz_* programs in $build/tests/fuzz (configure with -DAIRLOCK_FUZZ=ON)"
    exit 1
fi
for t in $targets; do
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
