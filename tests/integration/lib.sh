# lib.sh: shared helpers for integration tests (sourced, POSIX sh).
# Conventions: exit 0 pass, 1 fail, 77 skip. With AIRLOCK_MUST_WORK=1 a skip is a failure,
# so CI cannot go green on a machine that lacks what the tests need.

: "${AIRLOCK:?AIRLOCK must point at the airlock binary}"
failures=0
checks=0

skip() {
    if [ "${AIRLOCK_MUST_WORK:-0}" = 1 ]; then
        echo "FAIL (AIRLOCK_MUST_WORK=1, cannot skip): $*"
        exit 1
    fi
    echo "SKIP: $*"
    exit 77
}

need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
    done
}

ok() {
    checks=$((checks + 1))
    echo "ok - $*"
}

not_ok() {
    checks=$((checks + 1))
    failures=$((failures + 1))
    echo "not ok - $*"
}

# expect_status WANT DESCRIPTION -- CMD...: runs CMD, compares its exit status.
expect_status() {
    want=$1
    desc=$2
    shift 3
    set +e
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    set -e
    if [ "$got" = "$want" ]; then
        ok "$desc"
    else
        not_ok "$desc (exit $got, wanted $want)"
        sed 's/^/    /' "$tmp/out" "$tmp/err"
    fi
}

# expect_grep PATTERN FILE DESCRIPTION
expect_grep() {
    if grep -q -- "$1" "$2"; then ok "$3"; else
        not_ok "$3 (no '$1' in output)"
        sed 's/^/    /' "$2"
    fi
}

finish() {
    echo "$((checks - failures)) passed, $failures failed"
    [ "$failures" = 0 ]
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
