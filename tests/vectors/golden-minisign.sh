#!/bin/sh
# golden-minisign.sh VECTORS_DIR: stock `minisign -V` accepts every golden approval, and
# agrees with airlock about the hostile signatures: those airlock refuses as ESIGNATURE,
# EKEYID or EGLOBALSIG minisign refuses too, while the ECOMMENT ones are valid minisign
# signatures (only airlock's binding of id and direction catches them).
# Exits 77 (skip) without minisign, unless AIRLOCK_MUST_WORK=1.
set -u
dir=$1
tab=$(printf '\t')

if ! command -v minisign >/dev/null 2>&1; then
    if [ "${AIRLOCK_MUST_WORK:-0}" = 1 ]; then
        echo "FAIL: minisign is not installed and AIRLOCK_MUST_WORK=1"
        exit 1
    fi
    echo "SKIP: minisign is not installed"
    exit 77
fi

fails=0
plans=0
check() { # expect(0|1) pubkey plan sig
    minisign -V -q -p "$2" -m "$3" -x "$4" >/dev/null 2>&1
    rc=$?
    if [ "$1" = 0 ] && [ "$rc" -ne 0 ]; then
        echo "FAIL: minisign -V rejects $4"
        fails=$((fails + 1))
    elif [ "$1" = 1 ] && [ "$rc" -eq 0 ]; then
        echo "FAIL: minisign -V accepts $4"
        fails=$((fails + 1))
    fi
}

while IFS="$tab" read -r plan rest; do
    case $plan in '#'* | '') continue ;; esac
    plans=$((plans + 1))
    check 0 "$dir/golden/test.pub" "$dir/golden/$plan.airlock" "$dir/golden/$plan.airlock.minisig"
    check 1 "$dir/golden/other.pub" "$dir/golden/$plan.airlock" \
        "$dir/golden/$plan.airlock.minisig"
done <"$dir/golden/plans.tsv"
check 0 "$dir/golden/minisign.pub" "$dir/golden/offline-online.airlock" \
    "$dir/golden/offline-online.airlock.by-minisign.minisig"

while IFS="$tab" read -r file want _check sig _what; do
    case $want in
    ESIGNATURE | EKEYID | EGLOBALSIG) check 1 "$dir/golden/test.pub" "$dir/hostile/$file" \
        "$dir/hostile/$sig" ;;
    ECOMMENT) check 0 "$dir/golden/test.pub" "$dir/hostile/$file" "$dir/hostile/$sig" ;;
    esac
done <"$dir/hostile/expected.tsv"

if [ "$plans" -lt 5 ]; then
    echo "FAIL: only $plans golden plans in plans.tsv"
    exit 1
fi
echo "$plans golden plans, $fails failures"
[ "$fails" -eq 0 ]
