#!/bin/sh
# hostile-cli.sh AIRLOCK VECTORS_DIR: every row of hostile/expected.tsv through the airlock
# command. A `read` row runs `airlock show FILE`, a `verify` row runs `airlock verify
# --pubkey golden/test.pub --signature SIG FILE`; each must exit 1 (not crash, not hang:
# `timeout 10`) and name the expected error as "[ERRNAME]" on standard error. The golden
# plan must pass both commands first, so a command that refuses everything fails here.
#
# One documented difference from the library: the command reads a plan or signature file
# into a buffer with a fixed maximum and refuses a larger file as ETOOBIG before the
# library sees it (docs/cli.md, "Reading files": 395264 bytes for a plan at the default
# limits, 16384 for a signature). For such files ETOOBIG is expected here.
set -u
plan_max=395264
sig_max=16384
airlock=$1
dir=$2
tab=$(printf '\t')
err=$(mktemp)
trap 'rm -f "$err"' EXIT
fails=0
rows=0

if ! "$airlock" show "$dir/golden/offline-online.airlock" >/dev/null ||
    ! "$airlock" verify --pubkey "$dir/golden/test.pub" \
        "$dir/golden/offline-online.airlock" >/dev/null; then
    echo "FAIL: positive control: the golden plan is not accepted"
    exit 1
fi

while IFS="$tab" read -r file want check sig what; do
    case $file in '#'* | '') continue ;; esac
    rows=$((rows + 1))
    if [ "$(wc -c <"$dir/hostile/$file")" -gt "$plan_max" ] ||
        { [ "$check" = verify ] && [ "$(wc -c <"$dir/hostile/$sig")" -gt "$sig_max" ]; }; then
        want=ETOOBIG
    fi
    if [ "$check" = read ]; then
        timeout 10 "$airlock" show "$dir/hostile/$file" >/dev/null 2>"$err"
        rc=$?
    else
        timeout 10 "$airlock" verify --pubkey "$dir/golden/test.pub" \
            --signature "$dir/hostile/$sig" "$dir/hostile/$file" >/dev/null 2>"$err"
        rc=$?
    fi
    if [ "$rc" -eq 124 ]; then
        echo "FAIL: $file: hung (killed after 10 s)"
    elif [ "$rc" -ge 128 ]; then
        echo "FAIL: $file: crashed (exit status $rc)"
    elif [ "$rc" -ne 1 ]; then
        echo "FAIL: $file: exit status $rc, expected 1 [$want] ($what)"
    elif ! grep -qF "[$want]" "$err"; then
        echo "FAIL: $file: expected [$want] ($what), got: $(head -n 1 "$err")"
    else
        continue
    fi
    fails=$((fails + 1))
done <"$dir/hostile/expected.tsv"

if [ "$rows" -eq 0 ]; then
    echo "FAIL: no rows in $dir/hostile/expected.tsv"
    exit 1
fi
echo "$rows hostile vectors through the CLI, $fails failed"
[ "$fails" -eq 0 ]
